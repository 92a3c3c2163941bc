"""Record what the bot would send to a Discord voice channel, without Discord.

The real player, client and FFmpeg run against a Vocu-compatible service (normally the local
emulator); only the voice connection is replaced by `RecordingVoiceClient`, and its Opus packets
are saved as ``demo-discord.ogg``. The returned `DemoRecording` also carries the timings the
benchmark reports: enqueue → first Opus frame, and the silence between consecutive items.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vocu_client.providers import create_provider

from .player import GuildPlayer, PlaybackEvent, SpeechItem
from .recording import FRAME_SECONDS, RecordedSegment, RecordingVoiceClient

DEMO_FILENAME = "demo-discord.ogg"
DEMO_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class DemoRecording:
    path: Path
    items: tuple[SpeechItem, ...]
    segments: tuple[RecordedSegment, ...]
    timeline: tuple[PlaybackEvent, ...]
    errors: tuple[tuple[SpeechItem, Exception], ...]

    def enqueued_at(self, item: SpeechItem) -> float:
        return next(e.at for e in self.timeline if e.item is item and e.kind == "enqueued")

    @property
    def time_to_first_frame(self) -> float | None:
        """Seconds from enqueuing the first item to its first Opus frame leaving the player."""
        if not self.items or not self.segments or self.segments[0].first_frame_at is None:
            return None
        return self.segments[0].first_frame_at - self.enqueued_at(self.items[0])

    @property
    def gaps(self) -> list[float]:
        """Silence between consecutive items: next first frame minus the end of the last frame."""
        gaps = []
        for before, after in zip(self.segments, self.segments[1:], strict=False):
            if before.last_frame_at is not None and after.first_frame_at is not None:
                gaps.append(after.first_frame_at - before.last_frame_at - FRAME_SECONDS)
        return gaps

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)


def demo_path(out_path: Path) -> Path:
    """``out_path`` itself when it names an ``.ogg`` file, else ``out_path/demo-discord.ogg``."""
    return out_path if out_path.suffix == ".ogg" else out_path / DEMO_FILENAME


async def record_demo_session(
    base_url: str,
    token: str,
    voice_id: str,
    texts: Sequence[str],
    out_path: Path,
    *,
    realtime: bool = True,
) -> DemoRecording:
    """Queue ``texts`` on a real `GuildPlayer`, wait until each played or failed, save the Ogg."""
    voice = RecordingVoiceClient(realtime=realtime)
    errors: list[tuple[SpeechItem, Exception]] = []
    finished = 0
    all_done = asyncio.Event()
    items = tuple(
        SpeechItem(text=text, voice_id=voice_id, label=f"demo {n}") for n, text in enumerate(texts)
    )

    def count() -> None:
        nonlocal finished
        finished += 1
        if finished >= len(items):
            all_done.set()

    async def on_played(_item: SpeechItem, _result: object) -> None:
        count()

    async def on_error(item: SpeechItem, error: Exception) -> None:
        errors.append((item, error))
        count()

    async with create_provider("vocu", token, base_url=base_url) as client:
        player = GuildPlayer(client, voice, on_played=on_played, on_error=on_error)
        try:
            for item in items:
                await player.enqueue(item)
            if items:
                async with asyncio.timeout(DEMO_TIMEOUT):
                    await all_done.wait()
        finally:
            await player.aclose()
            voice.stop()
            await asyncio.to_thread(voice.join, 10)

    path = voice.write_ogg(demo_path(Path(out_path)))
    return DemoRecording(
        path=path,
        items=items,
        segments=tuple(voice.segments),
        timeline=tuple(player.timeline),
        errors=tuple(errors),
    )


async def record_demo(
    base_url: str, token: str, voice_id: str, texts: Sequence[str], out_path: Path
) -> Path:
    """The README's Discord demo: play ``texts`` through the bot's player into an Ogg Opus file."""
    recording = await record_demo_session(base_url, token, voice_id, texts, out_path)
    return recording.path
