"""Cost per announcement: the `vocu_speech_spoken` event, "credits used today" and the recent
requests in the diagnostics, against the emulator (which bills one credit per character)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from service_cases import ServiceCase
from tts_support import (
    mp3_duration,
    request_text,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import seed

from custom_components.vocu.const import DOMAIN
from custom_components.vocu.entity import entry_identity
from custom_components.vocu.spoken import EVENT_SPEECH_SPOKEN

pytestmark = pytest.mark.usefixtures("tts_ready")

MESSAGE = "The dishwasher is done. The laundry needs ten more minutes."


def today_sensor(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry_identity(entry)}_credits_used_today"
    )
    assert entity_id is not None
    return entity_id


async def test_each_announcement_fires_one_event_with_its_cost(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    hass_client: ClientSessionGenerator,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    before = vocu_emulator.state.account(seed.PAID_TOKEN)
    credits_before = before.credit + before.bonus_credit

    audio = await speak_audio(hass, engine, MESSAGE)
    await hass.async_block_till_done()

    spoken = [request_text(r) for r in synth_requests(vocu_emulator)]
    after = vocu_emulator.state.account(seed.PAID_TOKEN)
    [event] = events
    assert event.data["entity_id"] == engine
    assert event.data["voice"] == seed.BOB_ID
    assert event.data["characters"] == sum(len(text) for text in spoken)
    # As the service reported it: what the account really lost.
    assert event.data["credits"] == credits_before - (after.credit + after.bonus_credit)
    assert event.data["duration"] == pytest.approx(mp3_duration(audio), abs=0.1)
    assert event.data["fallback"] is False

    assert (
        float(hass.states.get(today_sensor(hass, init_integration)).state)
        == (event.data["credits"])
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    recent = diagnostics["recent_requests"]
    assert [request["characters"] for request in recent] == [len(text) for text in spoken]
    assert all(request["request_id"] for request in recent)
    assert sum(request["credits"] for request in recent) == event.data["credits"]
    assert "dishwasher" not in str(diagnostics)  # sizes and costs, never the text


async def test_a_cache_hit_fires_no_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    media_id = tts.generate_media_source_id(hass, MESSAGE, engine=engine, cache=True)
    first = await tts.async_get_media_source_audio(hass, media_id)
    again = await tts.async_get_media_source_audio(
        hass, tts.generate_media_source_id(hass, MESSAGE, engine=engine, cache=True)
    )
    await hass.async_block_till_done()
    assert first == again
    assert len(events) == 1


async def test_only_the_last_twenty_requests_are_kept(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    for number in range(22):
        await speak_audio(hass, engine, f"Message number {number}.")
    recent = list(init_integration.runtime_data.speech_log.recent)
    assert len(recent) == 20
    assert recent[-1]["characters"] == len("Message number 21.")


@pytest.mark.parametrize("provider_name", ["noiz", "minimax"])
async def test_services_reporting_no_cost_give_null_credits(
    hass: HomeAssistant, init_integration: MockConfigEntry, service_case: ServiceCase
) -> None:
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    await speak_audio(hass, tts_entity_id(hass, init_integration), "What does this cost?")
    await hass.async_block_till_done()
    [event] = events
    assert event.data["credits"] is None
    assert event.data["characters"] == len("What does this cost?")
    assert event.data["duration"] > 0.3
    assert hass.states.get(today_sensor(hass, init_integration)).state == "unknown"


async def test_credits_used_today_start_again_on_a_new_local_day(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    vocu_emulator: Any,
    hass_storage: dict[str, Any],
) -> None:
    """Restored across a restart on the same local day; yesterday's count does not carry over."""
    key = f"vocu.{mock_config_entry.entry_id}.usage"
    today = dt_util.now().date()
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {"day": today.isoformat(), "chars": 40, "credits": 40.0},
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    sensor = today_sensor(hass, mock_config_entry)
    assert float(hass.states.get(sensor).state) == 40
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    yesterday = (today - timedelta(days=1)).isoformat()
    hass_storage[key]["data"] = {"day": yesterday, "chars": 40, "credits": 40.0}
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(sensor).state) == 0
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
