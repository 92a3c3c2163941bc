"""Discord: `say` → first Opus frame vs the upstream's first byte, and the gap between queued items.

The bot's real player, client and FFmpeg run against the emulator; only the voice connection is a
recorder that pulls 20 ms frames in real time, as discord.py's audio thread does.

Run: .venv/bin/python bench/bench_discord.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EMULATOR_ARGS, machine_line, upstream_first_byte
from vocu_devtools.emulator_process import running_emulator
from vocu_discord.demo import record_demo_session
from vocu_emulator import seed

RUNS = 3
TEXTS = (
    "Alice said: is anyone up for a game tonight?",
    "Bob said: sure, give me ten minutes.",
    "Carol said: count me in!",
)


async def played_session(
    base_url: str, texts: Sequence[str], *, realtime: bool = True
) -> tuple[float, list[float]]:
    """Queue `texts` on the bot's player: (say -> first Opus frame, gaps between the items).

    `realtime=False` pulls frames as fast as FFmpeg makes them instead of one per 20 ms: the first
    frame comes no sooner (the first read waits for FFmpeg either way), the gaps mean nothing.
    """
    with tempfile.TemporaryDirectory() as tmp:
        recording = await record_demo_session(
            base_url, seed.PAID_TOKEN, seed.BOB_ID, texts, Path(tmp) / "bench.ogg",
            realtime=realtime,
        )  # fmt: skip
    if recording.errors or recording.time_to_first_frame is None:
        raise RuntimeError(f"playback failed: {recording.errors}")
    return recording.time_to_first_frame, recording.gaps


async def main() -> None:
    firsts, upstreams, gaps = [], [], []
    async with running_emulator(extra_args=EMULATOR_ARGS) as base_url:
        for run in range(RUNS):
            texts = [f"{text} ({run})" for text in TEXTS]
            upstreams.append(
                await upstream_first_byte(base_url, texts[0] + " upstream", seed.BOB_ID)
            )
            first, run_gaps = await played_session(base_url, texts)
            firsts.append(first)
            gaps.extend(run_gaps)
    first, upstream = statistics.median(firsts), statistics.median(upstreams)
    print(f"# Discord player benchmark ({machine_line()})")
    print(f"upstream first MP3 byte (direct)       {upstream * 1000:7.0f} ms")
    print(
        f"say -> first Opus frame                {first * 1000:7.0f} ms = {first / upstream:.2f}x; "
        f"difference {(first - upstream) * 1000:+.0f} ms (target <= 250 ms)"
    )
    print(f"gap between queued items               median {statistics.median(gaps) * 1000:.0f} ms, "
          f"max {max(gaps) * 1000:.0f} ms over {len(gaps)} gaps (target <= 40 ms)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
