"""Cost guard: per-call text limit, daily character cap surviving a reload, concurrency slots."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from tts_support import (
    mp3_duration,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.const import CONF_DAILY_CHAR_CAP, CONF_MAX_CHARS_PER_CALL
from custom_components.vocu.options import default_options

pytestmark = pytest.mark.usefixtures("tts_ready")


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {**default_options(seed.BOB_ID), CONF_MAX_CHARS_PER_CALL: 40, CONF_DAILY_CHAR_CAP: 70}


async def test_text_longer_than_per_call_limit_is_refused_before_sending(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "This sentence is clearly longer than forty characters.")
    assert raised.value.translation_key == "text_too_long"
    assert synth_requests(vocu_emulator) == []


async def test_daily_cap_counts_across_reload_and_stops_a_loop(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    first = "A thirty-character message!!!."
    assert len(first) == 30
    assert mp3_duration(await speak_audio(hass, engine, first))
    assert init_integration.runtime_data.guard.chars_today == 30

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.guard.chars_today == 30  # restored from storage

    assert mp3_duration(await speak_audio(hass, engine, "Another thirty chars, please."))
    # A looping automation: the third call would pass 70 characters today and is refused.
    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, engine, "And one more time, again.")
    assert raised.value.translation_key == "daily_cap_reached"
    assert len(synth_requests(vocu_emulator)) == 2


async def test_failed_request_gives_its_characters_back(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(status=500, code="INTERNAL_ERROR", message="boom"))
    with pytest.raises(HomeAssistantError):
        await speak_audio(hass, engine, "Failing costs nothing.")
    assert init_integration.runtime_data.guard.chars_today == 0


async def test_concurrency_slots_follow_the_account_quota(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    guard = init_integration.runtime_data.guard
    assert guard.concurrency == 4  # the paid account: 2 base + 2 paid synchronous slots
    entered = 0
    gate = asyncio.Event()

    async def hold() -> None:
        nonlocal entered
        async with guard.slot():
            entered += 1
            await gate.wait()

    holders = [asyncio.create_task(hold()) for _ in range(6)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert entered == 4
    gate.set()
    await asyncio.gather(*holders)
    assert entered == 6


async def test_rate_limit_after_client_retries_is_translated_and_does_not_wedge(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(
        Fault(status=429, code="RATE_LIMITED", message="slow down", retry_after=0.1, times=None)
    )
    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, engine, "Too many.")
    assert raised.value.translation_key == "rate_limited"

    vocu_emulator.clear_faults()
    assert mp3_duration(await speak_audio(hass, engine, "Now it works."))


async def test_removing_the_entry_deletes_its_usage_counter(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    hass_storage: dict[str, Any],
) -> None:
    engine = tts_entity_id(hass, init_integration)
    assert mp3_duration(await speak_audio(hass, engine, "Counted today."))
    await init_integration.runtime_data.guard.async_flush()
    key = f"vocu.{init_integration.entry_id}.usage"
    assert hass_storage[key]["data"]

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage


async def test_usage_count_is_written_in_batches_not_per_segment(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    hass_storage: dict[str, Any],
) -> None:
    """Three sentences admit three segments; the store is written once, after the delay."""
    engine = tts_entity_id(hass, init_integration)
    key = f"vocu.{init_integration.entry_id}.usage"
    assert mp3_duration(await speak_audio(hass, engine, "One. Two. Three."))
    await hass.async_block_till_done()
    assert key not in hass_storage  # not written per segment

    # Home Assistant stopping writes what is pending (so does an unload, see the reload test).
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["chars"] == init_integration.runtime_data.guard.chars_today
    assert hass_storage[key]["data"]["chars"] > 0
