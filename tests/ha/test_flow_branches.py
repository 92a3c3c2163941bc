"""The flow branches the main flow tests leave out: a voice list that fails after the key was
accepted, reauth and reconfigure for services whose entry id is a key hash (one with a MiniMax
account), a stored seed."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from service_cases import ServiceCase
from test_config_flow import reconfigure_to, to_custom_host
from vocu_emulator import Fault, seed

from custom_components.vocu.const import (
    CONF_ACCOUNT,
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_HOST,
    CONF_SEED,
    DOMAIN,
    HOST_CUSTOM,
)
from custom_components.vocu.options import default_options

# A second key of each key-hash service, for a key rotation.
OTHER_KEY = {"noiz": seed.NOIZ_LOW_CREDIT_KEY, "minimax": seed.USEAPI_MULTI_TOKEN}


async def test_voice_list_failing_after_the_key_was_accepted_aborts(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    """The key checks out, then listing voices fails: the flow ends with cannot_connect."""
    result = await to_custom_host(hass, seed.FREE_TOKEN, vocu_emulator.base_url)
    assert result["step_id"] == "paid_only"
    vocu_emulator.inject(Fault(path="/api/voice*", method="GET", status=503, times=None))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize("provider_name", ["noiz"])
async def test_reauth_of_a_key_hash_service_takes_the_new_key(
    hass: HomeAssistant, service_case: ServiceCase, mock_config_entry: MockConfigEntry
) -> None:
    """Noiz has no account endpoint: any key that works is accepted (it cannot be told apart)."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    new_key = OTHER_KEY[service_case.name]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: new_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_API_KEY] == new_key
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.parametrize("provider_name", ["noiz"])
async def test_reconfigure_of_a_key_hash_service(
    hass: HomeAssistant,
    vocu_emulator: Any,
    service_case: ServiceCase,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A new key and address for Noiz: stored as given; async mode (Vocu-only) left alone."""
    mock_config_entry.add_to_hass(hass)
    new_key = OTHER_KEY[service_case.name]
    base_url = vocu_emulator.url(service_case.prefix)
    result = await reconfigure_to(hass, mock_config_entry, new_key, base_url)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_API_KEY] == new_key
    assert mock_config_entry.data[CONF_BASE_URL] == base_url
    assert mock_config_entry.data[CONF_ASYNC_MODE] is False
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.fixture
def entry_options(service_case: ServiceCase) -> dict[str, Any]:
    return {**default_options(service_case.voice_id), CONF_SEED: 1234}


async def test_options_form_shows_a_stored_seed(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"voice": seed.BOB_ID}
    )
    assert result["step_id"] == "settings"
    seed_key = next(key for key in result["data_schema"].schema if key == CONF_SEED)
    assert seed_key.description == {"suggested_value": 1234}


@pytest.mark.parametrize("provider_name", ["minimax"])
async def test_reconfigure_to_a_token_with_several_minimax_accounts_keeps_the_account(
    hass: HomeAssistant,
    vocu_emulator: Any,
    service_case: ServiceCase,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A useapi.net token with two MiniMax accounts: the account given with it is stored."""
    mock_config_entry.add_to_hass(hass)
    account = seed.MINIMAX_ACCOUNTS_MULTI[1]
    base_url = vocu_emulator.url(service_case.prefix)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: seed.USEAPI_MULTI_TOKEN, CONF_HOST: HOST_CUSTOM, CONF_ACCOUNT: account},
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: base_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_API_KEY] == seed.USEAPI_MULTI_TOKEN
    assert mock_config_entry.data[CONF_ACCOUNT] == account
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
