"""The sentence pipeline's scheduling: order kept, lookahead bounded, errors in place, cleanup.

The synthesizer here is a plain function standing in for "some request that yields audio", so the
scheduling can be steered exactly; the real client and emulator are exercised in test_tts.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from custom_components.vocu.speech_pipeline import pipelined_speech


async def text(*pieces: str) -> AsyncIterator[str]:
    for piece in pieces:
        yield piece


async def until(condition: Callable[[], bool]) -> None:
    """Let the pipeline's tasks run until `condition` holds (bounded: fails instead of hanging)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail("the pipeline did not get there")


class Steered:
    """Requests that finish only when the test releases them, recording what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.running = 0
        self.max_running = 0
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, request: str, emit: Callable[[bytes], None]) -> None:
        self.asked.append(request)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        event = self.release.setdefault(request, asyncio.Event())
        try:
            await event.wait()
            if request.startswith("Fail"):
                raise RuntimeError(request)
            emit(f"<{request}>".encode())
        finally:
            self.running -= 1


async def test_output_order_follows_text_even_when_later_requests_finish_first() -> None:
    synth = Steered()
    stream = pipelined_speech(text("One is first. Two next. ", "Three last."), synth, lookahead=3)
    reader = asyncio.ensure_future(stream.__anext__())
    await until(lambda: len(synth.asked) >= 2)
    synth.release[synth.asked[1]].set()  # the later request completes first
    await asyncio.sleep(0)
    assert not reader.done()
    synth.release[synth.asked[0]].set()
    assert await reader == b"<One is first.>"
    for event in list(synth.release.values()):
        event.set()
    rest = [chunk async for chunk in stream]
    for event in list(synth.release.values()):
        event.set()
    assert b"".join(rest) in (b"<Two next. Three last.>", b"<Two next.><Three last.>")
    assert synth.asked[0] == "One is first."  # the first sentence always goes alone


async def test_lookahead_bounds_requests_in_flight() -> None:
    synth = Steered()
    sentences = "".join(f"Sentence {n} is here. " for n in range(8))
    stream = pipelined_speech(text(sentences), synth, lookahead=2, max_request_chars=25)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in stream])

    collector = asyncio.ensure_future(collect())
    while not collector.done():
        await asyncio.sleep(0)
        for event in list(synth.release.values()):
            event.set()
        await asyncio.sleep(0)
    audio = collector.result()
    assert synth.max_running <= 2
    assert audio.decode().count("Sentence") == 8


async def test_error_is_raised_where_its_audio_would_have_been() -> None:
    synth = Steered()
    stream = pipelined_speech(text("Good one. Fail here. Never heard."), synth, lookahead=1)
    got: list[bytes] = []
    with pytest.raises(RuntimeError, match="Fail"):
        while True:
            task = asyncio.ensure_future(stream.__anext__())
            while not task.done():
                await asyncio.sleep(0)
                for event in list(synth.release.values()):
                    event.set()
            got.append(task.result())
    assert got == [b"<Good one.>"]


async def test_closing_the_stream_cancels_pending_requests() -> None:
    synth = Steered()
    stream = pipelined_speech(text("First. Second. Third."), synth, lookahead=3)
    first = asyncio.ensure_future(stream.__anext__())
    await until(lambda: bool(synth.asked))
    synth.release[synth.asked[0]].set()
    assert await first == b"<First.>"
    await stream.aclose()
    assert synth.running == 0
