"""Per-guild playback: a bounded speech queue played one item at a time, the next one prefetched.

`GuildPlayer` owns the order of events and nothing else: it asks its playback engine
(`playback.PlaybackBackend`; by default FFmpeg here and discord.py's voice client, optionally a
Lavalink node) to prepare an item (signed stream URL → FFmpeg already pulling, or a track loaded on
the node), to play it, and waits for the engine's end report, which may come from another thread.
While an item plays, the head of the queue is prepared, so its first frames are decoded by the
time the current item ends. Every per-item failure goes to ``on_error`` and the queue
moves on; a callback that raises is logged and never stops playback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import discord
from vocu_client.models import GenerationResult

from .audio import SourceFactory
from .playback import FFmpegBackend, PlaybackBackend, Prepared
from .speech_queue import OverflowPolicy, SpeechItem, SpeechQueue

if TYPE_CHECKING:
    from vocu_client.providers import VoiceProvider

__all__ = [
    "GuildPlayer",
    "PlaybackEvent",
    "PlayerRegistry",
    "SpeechItem",
    "VoiceClientLike",
]

_LOGGER = logging.getLogger(__name__)

ErrorCallback = Callable[[SpeechItem, Exception], Awaitable[None]]
PlayedCallback = Callable[[SpeechItem, GenerationResult | None], Awaitable[None]]
# Why a waiting item left the queue without being played.
DropReason = Literal["overflow", "cleared", "skipped"]
# (item, reason, may_be_billed): True when its stream URL was already being requested (prefetch),
# so the service may have charged for it.
DroppedCallback = Callable[[SpeechItem, DropReason, bool], Awaitable[None]]
InterruptedCallback = Callable[[SpeechItem], Awaitable[None]]
EventKind = Literal[
    "enqueued", "refused", "dropped", "preparing", "started", "finished", "failed", "cleared"
]
TIMELINE_LENGTH = 1000


class VoiceClientLike(Protocol):
    """The part of `discord.VoiceClient` the player uses."""

    def play(
        self, source: discord.AudioSource, *, after: Callable[[Exception | None], Any]
    ) -> None: ...
    def stop(self) -> None: ...
    def is_playing(self) -> bool: ...
    def is_connected(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PlaybackEvent:
    """When something happened to an item (monotonic clock), for benchmarks and debugging."""

    at: float
    kind: EventKind
    item: SpeechItem


class GuildPlayer:
    """One guild's queue and playback loop. Use only from the event loop that created it."""

    def __init__(
        self,
        client: VoiceProvider,
        voice_client: VoiceClientLike,
        *,
        max_queue: int = 50,
        overflow: OverflowPolicy = "drop_oldest",
        on_error: ErrorCallback | None = None,
        on_played: PlayedCallback | None = None,
        on_dropped: DroppedCallback | None = None,
        on_interrupted: InterruptedCallback | None = None,
        source_factory: SourceFactory | None = None,
        backend: PlaybackBackend | None = None,
        stop_timeout: float = 5.0,
    ) -> None:
        self._client = client
        self.voice_client = voice_client
        self._queue = SpeechQueue(max_queue, overflow)
        self._on_error = on_error
        self._on_played = on_played
        self._on_dropped = on_dropped
        self._on_interrupted = on_interrupted
        # Cleared while the voice connection is down: the queue waits instead of failing.
        self._voice_up = asyncio.Event()
        self._voice_up.set()
        # ``source_factory`` alone: the default engine around it (tests and embedders use it).
        self.backend: PlaybackBackend = backend or FFmpegBackend(source_factory)
        self._stop_timeout = stop_timeout
        self._current: SpeechItem | None = None
        self._skip_current = False
        self._prefetch: tuple[SpeechItem, asyncio.Task[Prepared]] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._drop_reports: set[asyncio.Task[None]] = set()
        self._closed = False
        self.timeline: deque[PlaybackEvent] = deque(maxlen=TIMELINE_LENGTH)

    # -- public API ---------------------------------------------------------------------------

    @property
    def current(self) -> SpeechItem | None:
        """The item being prepared or played right now."""
        return self._current

    @property
    def is_playing(self) -> bool:
        return self._current is not None

    @property
    def closed(self) -> bool:
        return self._closed

    def queue_snapshot(self) -> list[SpeechItem]:
        """Waiting items in play order (the current one excluded)."""
        return self._queue.snapshot()

    async def enqueue(self, item: SpeechItem) -> bool:
        """Queue ``item``; False when the queue is full under the ``refuse`` policy or closed."""
        if self._closed:
            return False
        pushed = self._queue.push(item)
        if not pushed.accepted:
            self._mark("refused", item)
            return False
        if pushed.dropped is not None:
            self._mark("dropped", pushed.dropped)
            billed = self._drop_prefetch_of(pushed.dropped)
            await self._call(self._on_dropped, pushed.dropped, "overflow", billed)
        self._mark("enqueued", item)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="vocu-guild-player")
        elif self._current is not None:
            self._start_prefetch()
        return True

    def voice_lost(self) -> None:
        """The connection dropped; items wait (not fail) until `voice_restored`."""
        self._voice_up.clear()

    def voice_restored(self, voice_client: VoiceClientLike) -> None:
        self.voice_client = voice_client
        self._voice_up.set()

    def skip(self) -> bool:
        """Stop the current item (the queue moves on); False when nothing is playing."""
        if self._current is None:
            return False
        self._skip_current = True
        self.backend.skip(self.voice_client)
        return True

    def clear(self) -> int:
        """Drop every waiting item (the current one keeps playing); returns how many."""
        removed = self._queue.clear()
        prefetched = self._prefetch[0] if self._prefetch is not None else None
        for item in removed:
            self._mark("cleared", item)
            if self._on_dropped is not None:
                # Tracked, so aclose() and reported() wait for these callbacks.
                task = asyncio.create_task(
                    self._call(self._on_dropped, item, "cleared", item is prefetched)
                )
                self._track(task)
                self._drop_reports.add(task)
                task.add_done_callback(self._drop_reports.discard)
        self._discard_prefetch()
        return len(removed)

    async def reported(self) -> None:
        """Wait until ``on_dropped`` has run for every item a ``clear()`` removed."""
        if self._drop_reports:
            await asyncio.gather(*self._drop_reports, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop playback, kill and reap every FFmpeg process, and end every task of this player."""
        if self._closed and self._runner is None:
            return
        self._closed = True
        self.clear()
        self.skip()
        runner, self._runner = self._runner, None
        if runner is not None and not runner.done():
            try:
                # The runner ends by itself once `after` reports the stopped source.
                await asyncio.wait_for(asyncio.shield(runner), self._stop_timeout)
            except TimeoutError:
                _LOGGER.warning("Voice client did not report the end of playback; cancelling")
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    # -- playback loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._closed:
            item = self._queue.pop()
            if item is None:
                return
            self._current = item
            self._skip_current = False
            try:
                await self._play_one(item)
            finally:
                self._current = None

    async def _play_one(self, item: SpeechItem) -> None:
        try:
            prepared = await self._take_prepared(item)
        except Exception as exc:
            await self._report_error(item, exc)
            return
        if self._closed or self._skip_current:
            prepared.discard()
            self._mark("finished", item)
            # Skipped before a frame played, but its stream URL exists: the service billed it.
            await self._call(self._on_dropped, item, "skipped", True)
            return
        self._start_prefetch()
        outcome = await self._play(item, prepared)
        while outcome == "dropped":
            # The voice connection dropped mid-item. Audio behind a still-valid signed URL is
            # played again from its start once the voice is back (no new synthesis, no new
            # bill); piped audio is gone, so the item is skipped and its channel told.
            replay = await self._reopen(item, prepared)
            if replay is None:
                break
            prepared = replay
            outcome = await self._play(item, prepared)
        if outcome == "failed":
            return
        self._mark("finished", item)
        await self._call(self._on_played, item, prepared.result)

    async def _play(
        self, item: SpeechItem, prepared: Prepared
    ) -> Literal["played", "failed", "dropped"]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Exception | None] = loop.create_future()

        def ended(error: Exception | None) -> None:
            # May be called from the engine's own thread (discord's AudioPlayer).
            with contextlib.suppress(RuntimeError):  # loop already closed: nobody is waiting
                loop.call_soon_threadsafe(_resolve, done, error)

        def started() -> None:
            self._mark("started", item)

        try:
            await self._voice_up.wait()
        except asyncio.CancelledError:
            prepared.discard()
            raise
        try:
            await self.backend.play(self.voice_client, prepared, on_started=started, on_ended=ended)
        except Exception as exc:
            prepared.discard()
            await self._report_error(item, exc)
            return "failed"
        try:
            error = await done
        except asyncio.CancelledError:
            # Only when the engine never reported the end; make sure FFmpeg dies anyway.
            self.backend.stop(self.voice_client)
            prepared.discard()
            raise
        # The audio thread reaps FFmpeg right after `after`; waiting for that here (off the loop)
        # makes `aclose` guarantee that no FFmpeg outlives the player.
        self._track(asyncio.create_task(asyncio.to_thread(prepared.discard)))
        if error is not None:
            await self._report_error(item, error)
            return "failed"
        if not self.backend.is_connected(self.voice_client):
            self._voice_up.clear()  # the queue waits for the reconnect
            return "dropped"
        return "played"

    async def _reopen(self, item: SpeechItem, cut: Prepared) -> Prepared | None:
        """The cut-off item's audio fetched again, or None (skipped; its channel is told)."""
        if not self._closed and not self._skip_current and cut.reopen is not None:
            await self._voice_up.wait()  # FFmpeg must not pull while nobody can hear it
            if not self._closed and not self._skip_current and cut.replayable():
                try:
                    replay = await cut.reopen()
                except Exception as exc:
                    await self._report_error(item, exc)
                    return None
                _LOGGER.info("Replaying %r after a voice drop (same signed URL)", item)
                return replay
        if not self._skip_current:
            await self._call(self._on_interrupted, item)
        return None

    async def _take_prepared(self, item: SpeechItem) -> Prepared:
        if self._prefetch is not None and self._prefetch[0] is item:
            task = self._prefetch[1]
            self._prefetch = None
            return await task
        self._discard_prefetch()  # prepared for an item that is no longer next
        self._mark("preparing", item)
        return await self.backend.prepare(self._client, item)

    # -- prefetch -----------------------------------------------------------------------------

    def _start_prefetch(self) -> None:
        if self._closed or self._prefetch is not None:
            return
        upcoming = self._queue.peek()
        if upcoming is None:
            return
        self._mark("preparing", upcoming)
        task = asyncio.create_task(
            self.backend.prepare(self._client, upcoming), name="vocu-guild-prefetch"
        )
        self._track(task)
        self._prefetch = (upcoming, task)

    def _drop_prefetch_of(self, item: SpeechItem) -> bool:
        """Cancel ``item``'s prefetch; True when there was one (its synthesis may be billed)."""
        if self._prefetch is not None and self._prefetch[0] is item:
            self._discard_prefetch()
            return True
        return False

    def _discard_prefetch(self) -> None:
        if self._prefetch is None:
            return
        _, task = self._prefetch
        self._prefetch = None
        if not task.done():
            task.cancel()  # the factory reaps a process it was spawning when cancelled
        task.add_done_callback(_discard_result)

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- reporting ----------------------------------------------------------------------------

    async def _report_error(self, item: SpeechItem, error: Exception) -> None:
        self._mark("failed", item)
        _LOGGER.warning("Could not speak %r: %s", item, error)
        await self._call(self._on_error, item, error)

    async def _call(self, callback: Callable[..., Awaitable[None]] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            await callback(*args)
        except Exception:
            _LOGGER.exception("Player callback %r failed", callback)

    def _mark(self, kind: EventKind, item: SpeechItem) -> None:
        self.timeline.append(PlaybackEvent(time.monotonic(), kind, item))


def _resolve(future: asyncio.Future[Exception | None], error: Exception | None) -> None:
    if not future.done():
        future.set_result(error)


def _discard_result(task: asyncio.Task[Prepared]) -> None:
    if task.cancelled():
        return
    if task.exception() is None:
        task.result().discard()


class PlayerRegistry:
    """One `GuildPlayer` per guild id; replaced players are closed, never leaked."""

    def __init__(self, client: VoiceProvider | None = None, **player_defaults: Any) -> None:
        self._client = client
        self._defaults = player_defaults
        self._players: dict[int, GuildPlayer] = {}

    def __len__(self) -> int:
        return len(self._players)

    def __contains__(self, guild_id: object) -> bool:
        return guild_id in self._players

    def get(self, guild_id: int) -> GuildPlayer | None:
        return self._players.get(guild_id)

    async def create(
        self, guild_id: int, voice_client: VoiceClientLike, **kwargs: Any
    ) -> GuildPlayer:
        """A fresh player for ``guild_id`` (an existing one is closed first)."""
        await self.remove(guild_id)
        options = {**self._defaults, **kwargs}
        client = options.pop("client", None) or self._client
        if client is None:
            raise TypeError("PlayerRegistry.create needs a client (here or in the registry)")
        player = GuildPlayer(client, voice_client, **options)
        self._players[guild_id] = player
        return player

    async def remove(self, guild_id: int) -> None:
        player = self._players.pop(guild_id, None)
        if player is not None:
            await player.aclose()

    async def aclose_all(self) -> None:
        players = list(self._players.values())
        self._players.clear()
        await asyncio.gather(*(player.aclose() for player in players), return_exceptions=True)
