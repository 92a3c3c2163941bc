"""A streamed Assist answer in Markdown reaches the service as clean sentences, the first one
before the answer has finished arriving (the speech-ready text option, on by default)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from tts_support import (
    request_text,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("tts_ready")

ANSWER = [
    "## Your evening 🌙\n",
    "The **kitchen** lights are on. ",
    "See [the dashboard](https://ha.example.com/lovelace) or https://www.example.org/help.\n",
    "- Lock the `front` door\n",
    "- Close the blinds\n",
    "```yaml\nservice: lock.lock\n```\n",
    "| Room | Temp |\n|---|---|\n| Hall | 19 |\n",
    "Good night! 😴",
]


async def stream_answer(
    hass: HomeAssistant, engine: str, pieces: list[str], first_audio: asyncio.Event
) -> bytes:
    release = asyncio.Event()

    async def llm_text() -> Any:
        yield pieces[0] + pieces[1]
        await release.wait()
        for piece in pieces[2:]:
            yield piece

    stream = tts.async_create_stream(hass, engine)
    stream.async_set_message_stream(llm_text())
    chunks: list[bytes] = []
    async for chunk in stream.async_stream_result():
        if not chunks:
            first_audio.set()
            release.set()
        chunks.append(chunk)
    return b"".join(chunks)


async def test_markdown_answer_is_spoken_as_clean_sentences(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    first_audio = asyncio.Event()
    audio = await stream_answer(hass, engine, ANSWER, first_audio)
    assert audio

    texts = [request_text(r) for r in synth_requests(vocu_emulator)]
    # The first sentence went out (and played) while the rest of the answer was held back.
    assert texts[0] == "Your evening."
    spoken = " ".join(texts)
    assert spoken == (
        "Your evening. The kitchen lights are on. See the dashboard or example.org."
        " Lock the front door. Close the blinds. code. Room, Temp. Hall, 19. Good night!"
    )
    for leftover in ("#", "*", "`", "[", "](", "http", "|", "🌙", "😴", "lock.lock"):
        assert leftover not in spoken


async def test_streamed_chinese_answer_is_cut_at_full_width_punctuation(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    first_audio = asyncio.Event()
    pieces = ["**晚上好**！客厅的灯", "还亮着。", "请关好门；", "然后休息吧？"]
    await stream_answer(hass, engine, pieces, first_audio)
    texts = [request_text(r) for r in synth_requests(vocu_emulator)]
    assert texts[0] == "晚上好！"
    # (Sentences packed into one request are joined with a space, which the service ignores.)
    assert "".join(texts).replace(" ", "") == "晚上好！客厅的灯还亮着。请关好门；然后休息吧？"
