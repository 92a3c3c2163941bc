"""The TTS entity for each voice service (Vocu, Noiz AI, MiniMax via useapi.net) over the emulator.

The same behaviour for all three: tts.speak hands players Home Assistant's proxy URL serving a
valid MP3, streamed text is spoken sentence by sentence, an unknown voice is a translated error,
and the voice list and options are the service's own.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from service_cases import ALL_SERVICES, ServiceCase
from tts_support import (
    mp3_duration,
    resolve_url,
    speak_audio,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault

from custom_components.vocu.const import CONF_VOICE, VOICE_STYLE_SEPARATOR

pytestmark = [
    pytest.mark.usefixtures("tts_ready"),
    pytest.mark.parametrize("provider_name", ALL_SERVICES),
]


def billed(emulator: Any, case: ServiceCase) -> list[Any]:
    return [r for r in emulator.requests if Fault(path=case.synth_path).matches(r.method, r.path)]


async def test_speak_plays_mp3_through_home_assistant_proxy(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    service_case: ServiceCase,
    hass_client: ClientSessionGenerator,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    calls = async_mock_service(hass, "media_player", "play_media")

    await hass.services.async_call(
        tts.DOMAIN,
        "speak",
        {
            "entity_id": engine,
            "media_player_entity_id": "media_player.kitchen",
            "message": "Good morning. The coffee is ready.",
        },
        blocking=True,
    )

    url = await resolve_url(hass, calls[0].data["media_content_id"])
    assert url.startswith("/api/tts_proxy/")
    assert service_case.key not in url
    response = await (await hass_client()).get(url)
    assert response.status == 200
    assert mp3_duration(await response.read()) > 0.5
    assert billed(vocu_emulator, service_case)


async def test_streamed_text_is_requested_sentence_by_sentence(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    service_case: ServiceCase,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    release = asyncio.Event()

    async def llm_text() -> Any:
        yield "Hello there, this is the first sentence of a longer answer. "
        await release.wait()
        yield "The second sentence arrives later. And a third one ends it."

    stream = tts.async_create_stream(hass, engine)
    assert stream.supports_streaming_input
    stream.async_set_message_stream(llm_text())
    chunks: list[bytes] = []
    async for chunk in stream.async_stream_result():
        chunks.append(chunk)
        if len(chunks) == 1:
            # The first sentence is already audio while the rest of the text is still coming.
            assert len(billed(vocu_emulator, service_case)) == 1
            release.set()
    assert release.is_set()
    assert len(billed(vocu_emulator, service_case)) >= 2
    assert mp3_duration(b"".join(chunks)) > 1.0


async def test_unknown_voice_is_a_translated_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any,
    service_case: ServiceCase,
) -> None:  # fmt: skip
    engine = tts_entity_id(hass, init_integration)
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "Hello.", {CONF_VOICE: "no-such-voice"})
    assert raised.value.translation_key == "unknown_voice"
    assert not billed(vocu_emulator, service_case)


async def test_supported_voices_and_options_are_the_services(
    hass: HomeAssistant, init_integration: MockConfigEntry, service_case: ServiceCase
) -> None:
    entity = hass.data[tts.DATA_COMPONENT].get_entity(tts_entity_id(hass, init_integration))
    voices = entity.async_get_supported_voices("en")
    ids = [voice.voice_id for voice in voices]
    assert ids[0] == service_case.voice_id  # the configured default first
    assert service_case.builtin_voice_id in ids
    has_styles = any(VOICE_STYLE_SEPARATOR in voice_id for voice_id in ids)
    assert has_styles is (service_case.name == "vocu")

    options = set(entity.supported_options)
    assert {"voice", "language", "speed"} <= options
    vocu_only = {"style", "preset", "flash", "seed", "vivid", "emotion"}
    assert (vocu_only <= options) is (service_case.name == "vocu")
    assert not (vocu_only & options) or service_case.name == "vocu"
    assert set(entity.default_options) == options
    assert "en" in entity.supported_languages and "zh-CN" in entity.supported_languages
