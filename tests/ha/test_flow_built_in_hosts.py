"""The flow on the services' own hosts (v1.vocu.ai, noiz.ai), reached offline through the host map.

DATA_HOST_MAP sends a built-in host to the emulator (with the path prefix the emulator serves
that service under); nothing of the client is patched, so the flow stores the real built-in URL.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from test_config_flow import start
from vocu_emulator import seed

from custom_components.vocu.const import (
    CONF_BASE_URL,
    CONF_HOST,
    CONF_PROVIDER,
    CONF_VOICE,
    DATA_HOST_MAP,
)


async def test_noiz_on_its_own_host(hass: HomeAssistant, vocu_emulator: Any) -> None:
    """Noiz's key form offers noiz.ai: the key checks out there and the entry keeps that URL."""
    hass.data[DATA_HOST_MAP] = {"noiz.ai": vocu_emulator.url("/noiz")}
    result = await start(hass, "noiz")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.NOIZ_KEY, CONF_HOST: "default"}
    )
    assert result["step_id"] == "voice"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.NOIZ_VOICE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROVIDER] == "noiz"
    assert result["data"][CONF_BASE_URL] == "https://noiz.ai/v1"
    assert {r.headers.get("Host") for r in vocu_emulator.requests} == {"noiz.ai"}
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_reconfigure_onto_a_built_in_host(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    """From a custom address to vocu.ai: a bad key keeps the form, the right one moves the entry."""
    hass.data[DATA_HOST_MAP] = {"v1.vocu.ai": vocu_emulator.base_url}
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-not-a-key", CONF_HOST: "vocu.ai"}
    )
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: "vocu.ai"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "vocu.ai"
    assert mock_config_entry.data[CONF_BASE_URL] == "https://v1.vocu.ai"
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
