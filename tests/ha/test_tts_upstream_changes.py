"""Speech when the service and Home Assistant's picture of it differ, and option forms that only
arrive from YAML: a voice that failed upstream since the last poll, a one-shot request that
fails, emotion weights written as text, and a call that clears the voice."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import tts
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

pytestmark = pytest.mark.usefixtures("tts_ready")


async def test_voice_that_failed_upstream_since_the_last_poll(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.state.set_voice_status(seed.BOB_ID, "failed")  # HA still thinks Bob is usable
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "Is Bob there?")
    assert raised.value.translation_key == "voice_not_ready"


async def test_one_shot_failure_is_translated_and_gives_the_characters_back(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    entity = hass.data[tts.DATA_COMPONENT].get_entity(tts_entity_id(hass, init_integration))
    guard = init_integration.runtime_data.guard
    before = guard.chars_today
    vocu_emulator.inject(Fault(status=500, times=None))
    with pytest.raises(HomeAssistantError) as raised:
        await entity.async_get_tts_audio("This whole file fails.", "en", {**entity.default_options})
    assert raised.value.translation_key == "service_error"
    after = guard.chars_today
    assert after == before  # refunded: the daily cap only counts what was spoken

    vocu_emulator.clear_faults()
    extension, data = await entity.async_get_tts_audio(
        "Now it works.", "en", entity.default_options
    )
    assert extension == "mp3"
    assert mp3_duration(data) > 0.2


async def test_emotion_weights_as_comma_separated_text(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    audio = await speak_audio(hass, engine, "Happy news!", {"emotion": "0, 8, 2, 0, 0"})
    assert mp3_duration(audio) > 0.2
    sent = [r.json for r in synth_requests(vocu_emulator) if r.json]
    assert sent
    assert sent[-1]["emo_switch"] == [0, 8, 2, 0, 0]


async def test_call_that_clears_the_voice_is_refused_before_sending(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "Who speaks?", {"voice": ""})
    assert raised.value.translation_key == "no_voice"
    assert synth_requests(vocu_emulator) == []
