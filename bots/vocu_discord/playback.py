"""The playback engine behind `GuildPlayer`: prepare an item's audio, play it, skip or stop it.

Two engines implement `PlaybackBackend`:
- `FFmpegBackend` (the default): FFmpeg in this process pulls the service's key-free URL and
  discord.py's voice client sends the Opus frames (`audio`, `voice_client`).
- `LavalinkBackend` (`lavalink_engine`, optional): a Lavalink v4 node fetches the URL and sends
  the audio; this process only tells it what to play.

`GuildPlayer` keeps the queue, prefetch, budget callbacks and voice-drop replays; an engine only
answers "start this", reports the start once the first audio goes out, and reports the end exactly
once (``None`` for a clean end or a skip, the exception for a failure).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from .audio import PreparedAudio, SourceFactory, StreamSourceFactory
from .voice_client import PolicyVoiceClient

if TYPE_CHECKING:
    from vocu_client.models import GenerationResult
    from vocu_client.providers import VoiceProvider

    from .speech_queue import SpeechItem

# Called once when the first audio of the item goes out (engine's own thread or the loop).
StartedCallback = Callable[[], Any]
# Called exactly once when the item's playback ends: None (finished or skipped) or the error.
EndedCallback = Callable[[Exception | None], Any]


class Prepared(Protocol):
    """An item's audio, ready to play: what the service said, and how to open it again."""

    result: GenerationResult | None
    reopen: Callable[[], Awaitable[Any]] | None

    def replayable(self, now: float | None = None) -> bool: ...
    def discard(self) -> None: ...


class PlaybackBackend(Protocol):
    """One engine; shared by every guild's player. ``voice_client`` is the engine's own class."""

    # What `channel.connect(cls=...)` builds: it must call ``on_closed(voice_client, code)`` when
    # its voice connection closes, so both engines share the cog's reconnect policy.
    voice_client_class: type[Any]

    async def start(self, bot: Any) -> None:
        """Called once the bot has logged in (the cog loads): connect what the engine needs."""

    async def aclose(self) -> None:
        """Release the engine's connections; the players are closed already."""

    async def prepare(self, client: VoiceProvider, item: SpeechItem) -> Prepared: ...

    async def play(
        self,
        voice_client: Any,
        prepared: Any,
        *,
        on_started: StartedCallback,
        on_ended: EndedCallback,
    ) -> None:
        """Start ``prepared``; raises when it cannot start (then ``on_ended`` is never called)."""

    def skip(self, voice_client: Any) -> None:
        """Stop the current item now; its ``on_ended(None)`` follows."""

    def stop(self, voice_client: Any) -> None:
        """Stop whatever plays (the player is closing, or its wait was cancelled)."""

    def is_connected(self, voice_client: Any) -> bool: ...


class FFmpegBackend:
    """FFmpeg in this process plus discord.py's voice client: the behaviour the bot always had."""

    voice_client_class: type[Any] = PolicyVoiceClient

    def __init__(self, source_factory: SourceFactory | None = None) -> None:
        self.source_factory: SourceFactory = source_factory or StreamSourceFactory()

    async def start(self, bot: Any) -> None:
        """Nothing to connect: FFmpeg starts per item."""

    async def aclose(self) -> None:
        """Nothing to release: each player reaps its own FFmpeg."""

    async def prepare(self, client: VoiceProvider, item: SpeechItem) -> PreparedAudio:
        return await self.source_factory(client, item)

    async def play(
        self,
        voice_client: Any,
        prepared: PreparedAudio,
        *,
        on_started: StartedCallback,
        on_ended: EndedCallback,
    ) -> None:
        # discord's AudioPlayer calls `after` from its own thread, once, with the error or None.
        voice_client.play(prepared.source, after=on_ended)
        on_started()  # the AudioPlayer thread is reading FFmpeg's first frames now

    def skip(self, voice_client: Any) -> None:
        if voice_client.is_playing():
            voice_client.stop()

    def stop(self, voice_client: Any) -> None:
        with contextlib.suppress(Exception):
            voice_client.stop()

    def is_connected(self, voice_client: Any) -> bool:
        return bool(voice_client.is_connected())
