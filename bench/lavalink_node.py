"""The loopback Lavalink node of the test suite, run in the benchmark's harness process.

The Lavalink engine's bot side is measured in a worker process; the node it talks to runs here,
outside that worker, so the node's CPU and its FFmpeg decoders are not charged to the bot. This is
the loopback node (tests/discord_loopback/loopback_lavalink: real fetching and FFmpeg decoding,
paced in real time, no RTP), not a real Lavalink: its own cost says nothing about Lavalink's JVM.
`PacedNode` also records how late its pacing loop handed out each batch of 20 ms frames.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "discord_loopback"))

# The test suite's node (tests/ is not a package of ours).
from loopback_lavalink import (
    FRAME_BYTES,
    FRAME_SECONDS,
    PASSWORD,
    LoopbackLavalink,
    _event,
)

__all__ = ["PASSWORD", "PacedNode"]


class PacedNode(LoopbackLavalink):
    """The loopback node, recording for every batch of decoded frames how late (seconds) it was
    handed out compared with its real-time schedule (0: on time)."""

    def __init__(self) -> None:
        super().__init__()
        self.lateness: list[float] = []

    async def _pace(self, session: Any, player: Any, track: dict[str, Any], process: Any) -> None:
        # LoopbackLavalink._pace, plus the lateness of each hand-out.
        pending = b""
        due: float | None = None
        while True:
            data = await process.stdout.read(FRAME_BYTES * 5)
            if not data:
                return
            pending += data
            frames = len(pending) // FRAME_BYTES
            pending = pending[frames * FRAME_BYTES :]
            if not frames:
                continue
            now = time.monotonic()
            if player.frames == 0:
                player.started_at = now
                await self._emit(session, _event("TrackStartEvent", player.guild_id, track))
            elif due is not None:
                self.lateness.append(max(0.0, now - due))
            player.frames += frames
            self.decoded_frames[player.guild_id] = (
                self.decoded_frames.get(player.guild_id, 0) + frames
            )
            due = player.started_at + player.frames * FRAME_SECONDS
            await asyncio.sleep(max(0.0, due - time.monotonic()))
