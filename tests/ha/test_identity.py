"""Entity and device identities of key-only services (Noiz AI, MiniMax) survive key rotation.

Their entry's unique id is a hash of the key (no account endpoint names the account), so the
entities and the device are keyed by the entry id instead; older registries are migrated (1.3).
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from service_cases import ServiceCase
from vocu_emulator import seed

from custom_components.vocu.const import CONF_ACCOUNT, CONF_BASE_URL, CONF_HOST, DOMAIN, HOST_CUSTOM
from custom_components.vocu.service import key_unique_id

# Another valid key of the same service (and, for MiniMax, the account it must name).
SECOND_KEYS = {
    "noiz": (seed.NOIZ_LOW_CREDIT_KEY, None),
    "minimax": (seed.USEAPI_MULTI_TOKEN, seed.MINIMAX_ACCOUNTS_MULTI[0]),
}


@pytest.fixture
def provider_name() -> str:
    return "noiz"


def registry_ids(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[list[str], list[str]]:
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return sorted(entity.entity_id for entity in entities), sorted(d.id for d in devices)


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any], base_url: str
) -> Any:
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST_CUSTOM, **user_input}
    )
    assert result["step_id"] == "custom_host"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: base_url}
    )


@pytest.mark.parametrize("provider_name", ["noiz", "minimax"])
async def test_reconfigure_with_a_new_key_keeps_entities_and_device(
    hass: HomeAssistant, init_integration: MockConfigEntry, service_case: ServiceCase
) -> None:
    before = registry_ids(hass, init_integration)
    [tts_entity] = [entity_id for entity_id in before[0] if entity_id.startswith("tts.")]
    key, account = SECOND_KEYS[service_case.name]

    result = await reconfigure(
        hass,
        init_integration,
        {CONF_API_KEY: key, **({CONF_ACCOUNT: account} if account else {})},
        init_integration.data[CONF_BASE_URL],
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.unique_id == key_unique_id(service_case.name, key, account)
    assert registry_ids(hass, init_integration) == before  # no "_2" entity, no second device
    assert hass.states.get(tts_entity).state != "unavailable"


async def test_reauth_with_a_new_noiz_key_keeps_entities_and_device(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert init_integration.data["provider"] == "noiz"
    before = registry_ids(hass, init_integration)
    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.NOIZ_LOW_CREDIT_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert init_integration.data[CONF_API_KEY] == seed.NOIZ_LOW_CREDIT_KEY
    assert registry_ids(hass, init_integration) == before


@pytest.mark.parametrize("provider_name", ["minimax"])
async def test_reconfigure_can_clear_the_minimax_account(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, vocu_emulator: Any
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_ACCOUNT: seed.MINIMAX_ACCOUNT}
    )
    result = await reconfigure(
        hass,
        mock_config_entry,
        {CONF_API_KEY: seed.USEAPI_TOKEN},  # the account field left empty
        mock_config_entry.data[CONF_BASE_URL],
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert CONF_ACCOUNT not in mock_config_entry.data
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_registry_of_a_1_2_entry_moves_to_the_entry_id(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A 1.2 Noiz entry whose key was rotated once already: the original entity (the one
    automations use) is kept under the new id; the rotation's leftover "_2" and device go."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        data=mock_config_entry.data,
        options=mock_config_entry.options,
        unique_id=mock_config_entry.unique_id,
        version=1,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    old_hash = key_unique_id("noiz", "an-earlier-key")
    devices.async_get_or_create(config_entry_id=entry.entry_id, identifiers={(DOMAIN, old_hash)})
    original = entities.async_get_or_create(
        "tts", DOMAIN, f"{old_hash}_tts", config_entry=entry, suggested_object_id="noiz_tts"
    )
    devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, entry.unique_id)}
    )
    leftover = entities.async_get_or_create(
        "tts", DOMAIN, f"{entry.unique_id}_tts", config_entry=entry, suggested_object_id="noiz_tts"
    )
    assert leftover.entity_id == "tts.noiz_tts_2"

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert (entry.version, entry.minor_version) == (1, 3)
    tts_entities = [e for e in registry_ids(hass, entry)[0] if e.startswith("tts.")]
    assert tts_entities == [original.entity_id]
    assert entities.async_get(original.entity_id).unique_id == f"{entry.entry_id}_tts"
    [device] = dr.async_entries_for_config_entry(devices, entry.entry_id)
    assert device.identifiers == {(DOMAIN, entry.entry_id)}
    assert hass.states.get(original.entity_id).state != "unavailable"
    await hass.config_entries.async_unload(entry.entry_id)
