"""The TTS entity through Home Assistant's own tts machinery, against the emulator over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator
from tts_support import (
    mp3_duration,
    request_style,
    request_text,
    request_voice,
    resolve_url,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.const import CONF_SPEED, CONF_VOICE, VOICE_STYLE_SEPARATOR

pytestmark = pytest.mark.usefixtures("tts_ready")


async def test_speak_plays_mp3_through_home_assistant_proxy(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
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

    assert len(calls) == 1
    media_id = calls[0].data["media_content_id"]
    url = await resolve_url(hass, media_id)
    # The player gets Home Assistant's own proxy URL: no key, no signed Vocu URL.
    assert url.startswith("/api/tts_proxy/")
    assert seed.PAID_TOKEN not in url
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert mp3_duration(await response.read()) > 0.5
    spoken = " ".join(request_text(r) for r in synth_requests(vocu_emulator))
    assert "Good morning." in spoken
    assert "The coffee is ready." in spoken
    assert all(request_voice(r) == seed.BOB_ID for r in synth_requests(vocu_emulator))
    assert hass.states.get(engine).state not in (None, "unknown", "unavailable")


async def test_one_shot_audio_via_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """async_get_tts_audio (whole file) stays available for callers that need it."""
    entity = hass.data[tts.DATA_COMPONENT].get_entity(tts_entity_id(hass, init_integration))
    extension, data = await entity.async_get_tts_audio(
        "One whole file, please.", "en", {**entity.default_options}
    )
    assert extension == "mp3"
    assert mp3_duration(data) > 0.3


async def test_streamed_text_plays_first_sentence_before_text_ends(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.set_pacing(first_byte_delay=0.05, chunk_interval=0.05, chunk_bytes=1024)
    release = asyncio.Event()
    first = "Hello there, this is the first sentence of a longer answer. "
    rest = ["The second sentence arrives later", ", word by word. ", "And a third one ends it."]

    async def llm_text() -> Any:
        yield first
        await release.wait()
        for piece in rest:
            yield piece

    stream = tts.async_create_stream(hass, engine)
    assert stream.supports_streaming_input
    stream.async_set_message_stream(llm_text())
    chunks: list[bytes] = []
    async for chunk in stream.async_stream_result():
        chunks.append(chunk)
        if len(chunks) == 1:
            # Audio of sentence one is already here while the text stream is still blocked.
            assert not release.is_set()
            assert [request_text(r) for r in synth_requests(vocu_emulator)] == [first.strip()]
            release.set()
    audio = b"".join(chunks)

    texts = [request_text(r) for r in synth_requests(vocu_emulator)]
    assert texts[0] == first.strip()
    assert " ".join(texts[1:]) == (
        "The second sentence arrives later, word by word. And a third one ends it."
    )
    first_only = await speak_audio(hass, engine, first.strip())
    assert mp3_duration(audio) > mp3_duration(first_only) + 1.0


async def test_long_text_is_spoken_whole(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    sentences = [f"This is sentence number {n} of a long announcement." for n in range(90)]
    message = " ".join(sentences)
    assert len(message) > 4000

    audio = await speak_audio(hass, engine, message)

    requests = synth_requests(vocu_emulator)
    assert len(requests) > 2  # split into several requests, each within the service's limit
    assert all(len(request_text(r)) <= 2000 for r in requests)
    assert " ".join(request_text(r) for r in requests) == message
    assert mp3_duration(audio) > 20


async def test_supported_voices_include_styles_and_market_voice(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    engine = tts_entity_id(hass, init_integration)
    client = await hass_ws_client()
    await client.send_json_auto_id(
        {"type": "tts/engine/voices", "engine_id": engine, "language": "en"}
    )
    response = await client.receive_json()
    assert response["success"]
    voices = {voice["voice_id"]: voice["name"] for voice in response["result"]["voices"]}

    assert response["result"]["voices"][0]["voice_id"] == seed.BOB_ID  # the default voice first
    assert voices[seed.ALICE_ID] == "Alice"
    assert voices[seed.MARKET_ID] == "Xiaoyu"
    assert voices[f"{seed.ALICE_ID}{VOICE_STYLE_SEPARATOR}{seed.CHEERFUL_STYLE_ID}"] == (
        "Alice — Cheerful"
    )
    # Voices that cannot speak are not offered.
    assert seed.CREATING_ID not in voices
    assert seed.FAILED_ID not in voices
    assert not any(VOICE_STYLE_SEPARATOR in vid and vid.endswith("|default") for vid in voices)


async def test_picked_voice_style_and_market_voice_reach_the_service(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    styled = f"{seed.ALICE_ID}{VOICE_STYLE_SEPARATOR}{seed.CHEERFUL_STYLE_ID}"

    assert mp3_duration(await speak_audio(hass, engine, "Cheer up!", {CONF_VOICE: styled}))
    assert mp3_duration(
        await speak_audio(hass, engine, "你好，世界。", {CONF_VOICE: seed.MARKET_ID}, "zh")
    )

    first, second = synth_requests(vocu_emulator)
    assert (request_voice(first), request_style(first)) == (seed.ALICE_ID, seed.CHEERFUL_STYLE_ID)
    assert request_voice(second) == seed.MARKET_ID


async def test_changed_default_voice_is_not_served_from_stale_cache(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    hass_client: ClientSessionGenerator,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    calls = async_mock_service(hass, "media_player", "play_media")
    client = await hass_client()

    async def speak() -> bytes:
        await hass.services.async_call(
            tts.DOMAIN,
            "speak",
            {
                "entity_id": engine,
                "media_player_entity_id": "media_player.hall",
                "message": "Dinner!",
            },
            blocking=True,
        )
        response = await client.get(await resolve_url(hass, calls[-1].data["media_content_id"]))
        assert response.status == 200
        return await response.read()

    await speak()
    await speak()  # the same text and settings: served from HA's cache, no second request
    assert [request_voice(r) for r in synth_requests(vocu_emulator)] == [seed.BOB_ID]

    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_VOICE: seed.ALICE_ID}
    )
    await hass.async_block_till_done()
    engine = tts_entity_id(hass, init_integration)
    await speak()
    assert [request_voice(r) for r in synth_requests(vocu_emulator)] == [seed.BOB_ID, seed.ALICE_ID]

    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_SPEED: 1.5}
    )
    await hass.async_block_till_done()
    await speak()
    assert len(synth_requests(vocu_emulator)) == 3


async def test_prefetched_sentences_are_refunded_when_the_stream_is_cancelled(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    """The listener stops after the first audio: sentences fetched ahead without audio yet are
    given back, so the daily count holds only what was spoken."""
    entity = hass.data[tts.DATA_COMPONENT].get_entity(tts_entity_id(hass, init_integration))
    guard = init_integration.runtime_data.guard
    first = "The first sentence is spoken."
    ahead = ["The second one is fetched ahead. ", "So is the third one."]
    more_text = asyncio.Event()

    async def llm_text() -> AsyncIterator[str]:
        yield first + " "
        await more_text.wait()
        for piece in ahead:
            yield piece

    response = await entity.async_stream_tts_audio(
        TTSAudioRequest(language="en", options={**entity.default_options}, message_gen=llm_text())
    )
    audio = response.data_gen
    assert await anext(audio)
    # Later requests never answer: they stay "in flight" until the stream is closed.
    vocu_emulator.inject(Fault(hang=True, times=None))
    more_text.set()
    for _ in range(200):
        if guard.chars_today > len(first):
            break
        await asyncio.sleep(0.02)
    assert guard.chars_today > len(first)  # the later sentences were admitted

    await audio.aclose()
    await hass.async_block_till_done()
    assert guard.chars_today == len(first)
