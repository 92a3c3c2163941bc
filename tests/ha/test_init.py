"""Setup, unload, error mapping at setup and config-entry migration, against the emulator."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import Fault, seed

from custom_components.vocu.const import (
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_DAILY_CHAR_CAP,
    CONF_EMOTION,
    CONF_HOST,
    CONF_PROVIDER,
    CONF_VOICE,
    DOMAIN,
    HOST_CUSTOM,
)
from custom_components.vocu.options import default_options


async def test_setup_and_unload(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    data = mock_config_entry.runtime_data
    assert data.coordinator.data.account.user_id == seed.PAID_USER_ID
    assert data.guard.concurrency == 4  # the paid account's 2 base + 2 paid sync slots
    assert hass.states.get("sensor.ada_lovelace_credits") is not None

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED


async def test_unknown_key_starts_reauth(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**mock_config_entry.data, CONF_API_KEY: "sk-revoked"},
        options=mock_config_entry.options,
        unique_id=mock_config_entry.unique_id,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_server_error_retries_setup(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    vocu_emulator.inject(Fault(path="/api/account/info", status=503, times=10))
    mock_config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    # The reason shown in the UI is the translated one, not a raw exception text.
    assert mock_config_entry.reason is not None
    assert "Could not read the Vocu account" in mock_config_entry.reason


async def test_migrates_minor_version_zero(hass: HomeAssistant, vocu_emulator: Any) -> None:
    """An entry as a pre-release wrote it (key and URL only, sparse options) is completed."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: seed.PAID_TOKEN, CONF_BASE_URL: vocu_emulator.base_url},
        options={CONF_VOICE: seed.BOB_ID},
        unique_id=seed.PAID_USER_ID,
        version=1,
        minor_version=0,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
    assert entry.data == {
        CONF_PROVIDER: "vocu",
        CONF_API_KEY: seed.PAID_TOKEN,
        CONF_HOST: HOST_CUSTOM,
        CONF_BASE_URL: vocu_emulator.base_url,
        CONF_ASYNC_MODE: False,
    }
    assert entry.options == default_options(seed.BOB_ID)
    assert entry.options[CONF_EMOTION] == [0, 0, 0, 0, 0]
    assert entry.options[CONF_DAILY_CHAR_CAP] == 0
    await hass.config_entries.async_unload(entry.entry_id)


async def test_migrates_1_1_entry_to_a_vocu_entry(hass: HomeAssistant, vocu_emulator: Any) -> None:
    """A 1.1 entry (written before other services existed) names no service: it is Vocu's."""
    data = {
        CONF_API_KEY: seed.PAID_TOKEN,
        CONF_HOST: HOST_CUSTOM,
        CONF_BASE_URL: vocu_emulator.base_url,
        CONF_ASYNC_MODE: False,
    }
    options = default_options(seed.BOB_ID)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=data,
        options=options,
        unique_id=seed.PAID_USER_ID,
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
    assert entry.data == {**data, CONF_PROVIDER: "vocu"}
    assert entry.options == options
    assert entry.unique_id == seed.PAID_USER_ID
    await hass.config_entries.async_unload(entry.entry_id)


async def test_entry_from_a_newer_minor_version_loads_unchanged(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A newer minor version is compatible by definition: the integration's migration leaves it
    as it is (a newer major version never reaches the integration: Home Assistant refuses it)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=mock_config_entry.data,
        options=mock_config_entry.options,
        unique_id=mock_config_entry.unique_id,
        version=1,
        minor_version=9,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 9)
    assert entry.data == mock_config_entry.data
    await hass.config_entries.async_unload(entry.entry_id)
