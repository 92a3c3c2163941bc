"""Shared pieces of the benchmark scripts: an emulator with realistic pacing, timing, reporting.

Every figure is a ratio against the upstream's own first-byte time measured in the same run, so
the numbers mean the same on a fast or a slow machine. Nothing here is a test.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
from vocu_emulator import seed

# Pacing of a plausible cloud TTS: first byte after 400 ms, then audio faster than real time.
FIRST_BYTE_DELAY = 0.4
CHUNK_BYTES = 2048
CHUNK_INTERVAL = 0.05


def emulator_args(first_byte_delay: float = FIRST_BYTE_DELAY) -> tuple[str, ...]:
    """Command-line pacing for `python -m vocu_emulator`: the first-byte delay is the variable."""
    return (
        "--first-byte-delay", str(first_byte_delay),
        "--chunk-bytes", str(CHUNK_BYTES),
        "--chunk-interval", str(CHUNK_INTERVAL),
    )  # fmt: skip


EMULATOR_ARGS = emulator_args()

SENTENCES = (
    "The living room lights are now off.",
    "The front door is locked and the alarm is armed.",
    "Tomorrow will be cloudy with a high of twelve degrees.",
    "Your package is expected to arrive before noon.",
    "Good night, and sleep well.",
    "The washing machine has finished its cycle.",
    "Someone is at the back gate.",
    "The garage door has been open for ten minutes.",
    "The bathroom window is still open while it rains.",
    "The dishwasher needs more salt.",
)
FIVE_SENTENCES = " ".join(SENTENCES[:5])


def sentences(count: int, tag: str) -> str:
    """`count` sentences of household announcements, made unique by `tag` so no cache answers."""
    return f"{' '.join(SENTENCES[:count])} Message {tag}."


def machine_line() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


async def upstream_timings(
    base_url: str, text: str, voice_id: str = seed.ALICE_ID, *, drain: bool = True
) -> tuple[float, float | None]:
    """Seconds until the emulator's own first and last MP3 byte, asked directly with aiohttp.

    One request for the whole text is also what an integration without streaming does: its last
    byte is when such an integration could hand over its first. `drain=False` hangs up after the
    first byte (no last-byte figure; the sweep is shorter).
    """
    params = {"voiceId": voice_id, "text": text}
    headers = {"Authorization": f"Bearer {seed.PAID_TOKEN}"}
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        async with session.get(
            f"{base_url}/api/tts/simple-generate.mp3", params=params, headers=headers
        ) as resp:
            resp.raise_for_status()
            await resp.content.readany()
            first = time.perf_counter() - start
            if not drain:
                return first, None
            async for _ in resp.content.iter_any():
                pass
    return first, time.perf_counter() - start


async def upstream_first_byte(
    base_url: str, text: str, voice_id: str = seed.ALICE_ID, *, drain: bool = True
) -> float:
    return (await upstream_timings(base_url, text, voice_id, drain=drain))[0]


async def upstream_whole_mp3(base_url: str, text: str, voice_id: str = seed.ALICE_ID) -> float:
    """The non-streaming path: one request for the whole text, until its last byte."""
    _, last = await upstream_timings(base_url, text, voice_id)
    assert last is not None
    return last


async def median_of(runs: int, measure: Callable[[int], Awaitable[float]]) -> float:
    """Median of `runs` measurements; `measure(i)` gets the run index (vary text: no caches)."""
    return statistics.median([await measure(i) for i in range(runs)])


def ratio(value: float, reference: float) -> str:
    return f"{value * 1000:7.0f} ms  = {value / reference:5.2f}x"
