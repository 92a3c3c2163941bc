"""The account poll when the service goes away and comes back: one log line each way (quality
scale: log-when-unavailable), sensors unavailable meanwhile while the TTS entity keeps speaking,
reauth at once when the key is refused, and no key in any log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from tts_support import (
    speak_audio,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.const import DOMAIN

CREDITS = "sensor.ada_lovelace_credits"


async def test_outage_is_logged_once_and_recovery_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.vocu")

    vocu_emulator.inject(Fault(path="/api/account/info", status=503, times=None))
    for _ in range(3):  # three polls in a row fail
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get(CREDITS).state == "unavailable"

    vocu_emulator.clear_faults()
    for _ in range(2):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == seed.PAID_CREDIT + seed.PAID_BONUS

    ours = [r for r in caplog.records if r.name.startswith("custom_components.vocu")]
    unavailable = [r for r in ours if r.levelno >= logging.WARNING]
    recovered = [r for r in ours if "recovered" in r.getMessage()]
    assert len(unavailable) == 1, [r.getMessage() for r in unavailable]
    assert len(recovered) == 1, [r.getMessage() for r in ours]
    assert all(seed.PAID_TOKEN not in r.getMessage() for r in ours)


async def test_poll_counts_only_usable_voices_as_usable(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    data = init_integration.runtime_data.coordinator.data
    usable = {voice.id for voice in data.usable_voices}
    assert seed.BOB_ID in usable
    assert seed.ALICE_ID in usable
    assert seed.CREATING_ID not in usable
    assert seed.FAILED_ID not in usable
    assert data.voice(seed.FAILED_ID) is not None  # listed, so it can be deleted


@pytest.mark.usefixtures("tts_ready")
async def test_tts_speaks_while_the_account_poll_fails(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    """A failing account endpoint makes the sensors unavailable, never the TTS entity: Home
    Assistant skips unavailable entities in `tts.speak`, and synthesis itself works."""
    coordinator = init_integration.runtime_data.coordinator
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(path="/api/account/info", status=503, times=None))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(CREDITS).state == "unavailable"
    assert hass.states.get(engine).state != "unavailable"

    calls = async_mock_service(hass, "media_player", "play_media")
    await hass.services.async_call(
        "tts",
        "speak",
        {"entity_id": engine, "media_player_entity_id": "media_player.kitchen", "message": "Hi."},
        blocking=True,
    )
    assert len(calls) == 1


async def test_refused_key_at_a_requested_refresh_shows_reauth_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    """A manual refresh (or the one after a synthesis) raises reauth now, not after a cooldown;
    the TTS entity, which cannot speak with a refused key, becomes unavailable."""
    coordinator = init_integration.runtime_data.coordinator
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(path="/api/account/info", status=401, times=None))
    await coordinator.async_request_refresh()
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert hass.states.get(engine).state == "unavailable"


@pytest.mark.usefixtures("tts_ready")
async def test_key_refused_at_synthesis_makes_the_tts_entity_unavailable(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(status=401, times=None))
    with pytest.raises(HomeAssistantError):
        await speak_audio(hass, engine, "Refused.")
    await hass.async_block_till_done()
    assert hass.states.get(engine).state == "unavailable"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
