"""Built-in hosts reached offline: the integration's clients honour hass.data's host map.

The host map is how Home Assistant tests (and only tests) send `v1.vocu.ai` & co. to the emulator
without patching the client; with the `redirect=other` reading the emulator then moves the entry
from v1.vocu.ai to v1.vocu.studio, which the client follows because both are Vocu's own hosts.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from vocu_emulator import seed

from custom_components.vocu.const import CONF_HOST, CONF_PROVIDER, DATA_HOST_MAP, DOMAIN


async def _key_step(hass: HomeAssistant, host: str) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "vocu"}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: host}
    )


async def test_built_in_host_through_the_host_map_follows_a_server_move(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    vocu_emulator.set_readings(redirect="other")
    hass.data[DATA_HOST_MAP] = {
        "v1.vocu.ai": vocu_emulator.base_url,
        "v1.vocu.studio": vocu_emulator.base_url,
    }
    result = await _key_step(hass, "vocu.ai")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "voice"
    hosts = {r.headers.get("Host") for r in vocu_emulator.requests}
    assert hosts == {"v1.vocu.ai", "v1.vocu.studio"}


async def test_without_the_host_map_a_built_in_host_stays_unreachable(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    result = await _key_step(hass, "vocu.studio")
    assert result["step_id"] == "credentials"
    assert not vocu_emulator.requests
