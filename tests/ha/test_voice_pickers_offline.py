"""The repair and options flows that pick a voice when the voice list cannot be had: the service
is down, or no voice is usable; and the repair flow only for issues it can fix."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import Fault, seed

from custom_components.vocu.const import DOMAIN
from custom_components.vocu.repairs import async_create_fix_flow

VOICE_LIST = "/api/voice"


def make_every_voice_unusable(emulator: Any) -> None:
    for voice_id in list(emulator.state.account(seed.PAID_TOKEN).voices):
        emulator.state.set_voice_status(voice_id, "failed", token=seed.PAID_TOKEN)


async def open_voice_repair(hass: HomeAssistant, entry: MockConfigEntry, emulator: Any) -> Any:
    """Raise the default-voice issue (Bob deleted upstream) and open its repair flow."""
    assert await async_setup_component(hass, "repairs", {})
    with emulator.state.lock:
        del emulator.state.account(seed.PAID_TOKEN).voices[seed.BOB_ID]
    await entry.runtime_data.coordinator.async_refresh()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"default_voice_missing_{entry.entry_id}")
    assert issue is not None
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return manager, issue


async def test_repair_flow_aborts_when_the_service_is_down(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    manager, issue = await open_voice_repair(hass, init_integration, vocu_emulator)
    vocu_emulator.inject(Fault(path=VOICE_LIST, status=502, times=None))
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_repair_flow_aborts_without_a_usable_voice(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    manager, issue = await open_voice_repair(hass, init_integration, vocu_emulator)
    make_every_voice_unusable(vocu_emulator)
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_usable_voices"


async def test_repair_flow_needs_a_loaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    manager, issue = await open_voice_repair(hass, init_integration, vocu_emulator)
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


@pytest.mark.parametrize(
    ("issue_id", "entry_id"),
    [("insufficient_credits_x", "real"), ("default_voice_missing_x", "no-such-entry")],
)
async def test_no_repair_flow_for_other_issues(
    hass: HomeAssistant, init_integration: MockConfigEntry, issue_id: str, entry_id: str
) -> None:
    entry = init_integration.entry_id if entry_id == "real" else entry_id
    with pytest.raises(ValueError, match="No repair flow"):
        await async_create_fix_flow(hass, issue_id, {"entry_id": entry})


async def test_options_flow_aborts_when_the_service_is_down(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=VOICE_LIST, status=502, times=None))
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_options_flow_aborts_without_a_usable_voice(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    make_every_voice_unusable(vocu_emulator)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_usable_voices"


async def test_options_flow_offers_the_first_style_when_the_stored_one_is_gone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    # Bob is the default with style "default"; Alice's styles are default and Cheerful, so a
    # stored style Alice lacks is replaced by her first one in the form.
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, "style": "gone-style"}
    )
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"voice": seed.ALICE_ID}
    )
    assert result["step_id"] == "settings"
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["style"] == "default"
