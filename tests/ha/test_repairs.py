"""Repair issues: credits used up (raised by TTS, cleared by the coordinator) and the default
voice gone upstream (raised by the coordinator, fixed through the repair flow)."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from test_profiles import add_profile
from tts_support import tts_ready  # noqa: F401 - fixture
from vocu_emulator import seed

from custom_components.vocu.const import CONF_STYLE, CONF_VOICE, DOMAIN
from custom_components.vocu.repairs import async_create_credits_issue


def credits_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"insufficient_credits_{entry.entry_id}")


def voice_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"default_voice_missing_{entry.entry_id}")


async def test_credits_issue_stays_while_empty_and_clears_after_top_up(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)
    async_create_credits_issue(hass, init_integration)
    issue = credits_issue(hass, init_integration)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {"account": init_integration.title, "service": "Vocu"}

    await coordinator.async_refresh()
    assert credits_issue(hass, init_integration) is not None  # still nothing to spend

    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 50, 0)  # topped up
    await coordinator.async_refresh()
    assert credits_issue(hass, init_integration) is None


async def test_deleted_default_voice_is_repaired_by_picking_another(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    assert voice_issue(hass, init_integration) is None

    with vocu_emulator.state.lock:  # the user deleted Bob on the Vocu website
        del vocu_emulator.state.account(seed.PAID_TOKEN).voices[seed.BOB_ID]
    await init_integration.runtime_data.coordinator.async_refresh()
    issue = voice_issue(hass, init_integration)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "account": init_integration.title,
        "voice": seed.BOB_ID,
    }

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["step_id"] == "voice"
    schema = result["data_schema"].schema
    offered = [option["value"] for option in next(iter(schema.values())).config["options"]]
    assert seed.BOB_ID not in offered
    assert seed.FAILED_ID not in offered

    result = await manager.async_configure(result["flow_id"], {CONF_VOICE: seed.ALICE_ID})
    assert result["step_id"] == "style"
    result = await manager.async_configure(result["flow_id"], {CONF_STYLE: seed.CHEERFUL_STYLE_ID})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert init_integration.options[CONF_VOICE] == seed.ALICE_ID
    assert init_integration.options[CONF_STYLE] == seed.CHEERFUL_STYLE_ID
    assert init_integration.state is ConfigEntryState.LOADED  # reloaded with the new voice
    assert voice_issue(hass, init_integration) is None


async def test_voice_that_stopped_working_raises_the_issue_and_recovery_clears_it(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    vocu_emulator.state.set_voice_status(seed.BOB_ID, "failed")
    await coordinator.async_refresh()
    assert voice_issue(hass, init_integration) is not None

    vocu_emulator.state.set_voice_status(seed.BOB_ID, "lora-success")
    await coordinator.async_refresh()
    assert voice_issue(hass, init_integration) is None


def profile_issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("profile_voice_missing_")
    }


@pytest.mark.usefixtures("tts_ready")
async def test_a_profile_whose_voice_is_gone_raises_its_own_issue_until_it_is_removed(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, {})
    await add_profile(hass, init_integration, "Kitchen", seed.MARKET_ID, {})  # a shared voice
    await coordinator.async_refresh()
    assert profile_issues(hass) == {}

    with vocu_emulator.state.lock:  # the user deleted Alice on the Vocu website
        del vocu_emulator.state.account(seed.PAID_TOKEN).voices[seed.ALICE_ID]
    await coordinator.async_refresh()
    (issue,) = profile_issues(hass).values()
    assert issue.issue_id.endswith(story)
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "profile_voice_missing"
    assert issue.translation_placeholders == {
        "account": init_integration.title,
        "profile": "Story",
        "voice": seed.ALICE_ID,
    }
    assert voice_issue(hass, init_integration) is None  # the entry's own voice (Bob) is fine

    hass.config_entries.async_remove_subentry(init_integration, story)
    await hass.async_block_till_done()
    await coordinator.async_refresh()
    assert profile_issues(hass) == {}
