"""The distributed audio engine: Lavalink v4 nodes fetch, decode and send the audio.

The bot hands a node only a key-free URL: Vocu's signed stream URL, or, for services without one,
the bot's own short-lived relay URL (`audio_relay`). The node loads it through Lavalink's HTTP
source (``/v4/loadtracks``), plays it on the guild's player and reports TrackStart, TrackEnd and
TrackException on its websocket; `LavalinkVoiceClient` turns those into the `PlaybackBackend`
start/end callbacks and the node's WebSocketClosedEvent into the same ``on_closed(code)`` the
default engine's voice client reports, so the cog's reconnect policy serves both engines.

Client library: Wavelink 3.5 (see docs/architecture.md, "Audio engines", for why).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord
import wavelink
from vocu_client.deadline import BOT_ITEM_DEADLINE
from vocu_client.errors import InvalidAudioError
from vocu_client.providers import Capability
from vocu_client.redact import redact_url

from .audio import SIGNED_URL_EXPIRY_MARGIN, signed_url_deadline
from .playback import EndedCallback, StartedCallback

if TYPE_CHECKING:
    from vocu_client.models import GenerationResult
    from vocu_client.providers import VoiceProvider

    from .audio_relay import AudioRelay
    from .speech_queue import SpeechItem
    from .synthesis_slots import SynthesisSlots

_LOGGER = logging.getLogger(__name__)

ClosedCallback = Callable[["LavalinkVoiceClient", int | None], Awaitable[None]]
DEFAULT_RESUME_SECONDS = 60


class LavalinkTrackError(Exception):
    """The node could not load or play the audio (its message, never the URL)."""


@dataclass(slots=True)
class PreparedTrack:
    """A track loaded on a node, plus what the service said about it."""

    track: wavelink.Playable
    result: GenerationResult | None = None
    # The same URL loaded again for a replay after a voice drop: no new synthesis, no new bill.
    reopen: Callable[[], Awaitable[PreparedTrack]] | None = None
    reopen_until: float = 0.0

    def replayable(self, now: float | None = None) -> bool:
        return self.reopen is not None and (time.time() if now is None else now) < self.reopen_until

    def discard(self) -> None:
        """Nothing runs here before the node plays it (may be called from any thread)."""


@dataclass(slots=True)
class _NowPlaying:
    encoded: str
    on_started: StartedCallback
    on_ended: EndedCallback
    started: bool = False
    error: Exception | None = None


class LavalinkVoiceClient(wavelink.Player):
    """Wavelink's player (the `discord.VoiceProtocol` that forwards voice updates, with the
    channelId DAVE needs, to the node), reporting to one `GuildPlayer` and to the cog."""

    on_closed: ClosedCallback | None = None

    def __init__(self, client: Any = discord.utils.MISSING, channel: Any = discord.utils.MISSING,
                 *, nodes: list[wavelink.Node] | None = None) -> None:  # fmt: skip
        super().__init__(client, channel, nodes=nodes)
        self._now: _NowPlaying | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def is_connected(self) -> bool:
        return bool(self.connected)

    def is_playing(self) -> bool:
        return self._now is not None

    async def start(
        self, prepared: PreparedTrack, on_started: StartedCallback, on_ended: EndedCallback
    ) -> None:
        # Registered before the request: the node may report TrackStart before it answers.
        self._now = _NowPlaying(prepared.track.encoded, on_started, on_ended)
        try:
            await self.play(prepared.track, replace=True, add_history=False)
        except Exception as error:
            self._now = None
            raise LavalinkTrackError(f"The Lavalink node refused the track: {error}") from None

    def stop_soon(self) -> None:
        """Ask the node to stop the track; its TrackEnd (stopped) ends the item."""
        if self._now is None or self.guild is None:
            return
        self._spawn(self._stop())

    async def _stop(self) -> None:
        try:
            await self.skip(force=True)
        except Exception as error:  # node gone: nobody will report the end, so end it here
            _LOGGER.warning("Stopping the track on the Lavalink node failed: %s", error)
            self._finish(None)

    # -- node events (routed by LavalinkBackend) ------------------------------------------------

    def track_started(self, encoded: str) -> None:
        now = self._now
        if now is not None and now.encoded == encoded and not now.started:
            now.started = True
            now.on_started()

    def track_failed(self, encoded: str, exception: dict[str, Any]) -> None:
        if self._now is not None and self._now.encoded == encoded:
            message = str(exception.get("message") or "the node could not play the audio")
            self._now.error = LavalinkTrackError(message)

    def track_ended(self, encoded: str, reason: str) -> None:
        if self._now is None or self._now.encoded != encoded:
            return  # an earlier track's end (e.g. one we replaced)
        error = self._now.error
        if error is None and reason == "loadFailed":
            error = LavalinkTrackError("The Lavalink node could not load the audio.")
        self._finish(error)

    def voice_closed(self, code: int | None) -> None:
        self._spawn(self._closed(code))

    async def _closed(self, code: int | None) -> None:
        # Discord closed the node's voice connection. Like a discord.VoiceClient after a close,
        # this player is finished (the node's player destroyed, the item cut off); the cog's
        # policy decides whether a new connection is made, and the cut item is replayed there.
        if self.guild is not None:
            await self._destroy()
        if self.on_closed is None:
            return
        try:
            await self.on_closed(self, code)
        except Exception:
            _LOGGER.exception("Handling the voice close in guild %s failed", self.guild)

    def _finish(self, error: Exception | None) -> None:
        now, self._now = self._now, None
        if now is not None:
            now.on_ended(error)

    def cleanup(self) -> None:
        super().cleanup()
        self._finish(None)  # destroyed: whatever played has ended

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


@dataclass(frozen=True, slots=True)
class LavalinkNodeConfig:
    uri: str
    password: str = field(repr=False)
    identifier: str | None = None


class LavalinkBackend:
    """`PlaybackBackend` on Lavalink v4 nodes. `start(bot)` connects the nodes (after login)."""

    voice_client_class: type[Any] = LavalinkVoiceClient

    def __init__(
        self,
        nodes: list[LavalinkNodeConfig],
        *,
        relay: AudioRelay | None = None,
        slots: SynthesisSlots | None = None,
        resume_seconds: int = DEFAULT_RESUME_SECONDS,
    ) -> None:
        if not nodes:
            raise ValueError("LavalinkBackend needs at least one node")
        self.node_configs = nodes
        self.relay = relay
        self.slots = slots
        self.resume_seconds = resume_seconds
        self.nodes: list[wavelink.Node] = []
        self._bot: discord.Client | None = None
        self._connecting: asyncio.Task[Any] | None = None
        self._ready = asyncio.Event()

    async def start(self, bot: discord.Client) -> None:
        """Listen to the nodes' events on ``bot`` and connect them in the background (a node
        that is down is retried with backoff; joins meanwhile get "no Lavalink node")."""
        if self._bot is not None:
            return
        self._bot = bot
        for name, listener in (
            ("on_wavelink_track_start", self._on_track_start),
            ("on_wavelink_track_end", self._on_track_end),
            ("on_wavelink_track_exception", self._on_track_exception),
            ("on_wavelink_websocket_closed", self._on_websocket_closed),
            ("on_wavelink_node_ready", self._on_node_ready),
        ):
            bot.add_listener(listener, name)  # type: ignore[attr-defined]
        if self.relay is not None:
            await self.relay.start()
        self.nodes = [
            wavelink.Node(
                identifier=config.identifier or f"vocu-{index}",
                uri=config.uri,
                password=config.password,
                client=bot,
                resume_timeout=self.resume_seconds,  # a restarted node keeps our players
                inactive_player_timeout=None,  # the cog's own idle policy decides when to leave
                inactive_channel_tokens=None,
            )
            for index, config in enumerate(self.node_configs)
        ]
        self._connecting = asyncio.create_task(
            wavelink.Pool.connect(nodes=self.nodes, client=bot), name="vocu-lavalink-connect"
        )

    async def wait_ready(self, timeout: float) -> None:
        """Until one node has said ``ready`` (its session id is known)."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    async def aclose(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
        self._connecting = None
        for node in self.nodes:
            with contextlib.suppress(Exception):
                await node.close(eject=True)
            with contextlib.suppress(Exception):
                await node._pool_closer()  # its aiohttp session
        self.nodes = []
        if self.relay is not None:
            await self.relay.aclose()
        self._bot = None

    # -- PlaybackBackend ----------------------------------------------------------------------

    async def prepare(self, client: VoiceProvider, item: SpeechItem) -> PreparedTrack:
        if client.supports(Capability.SIGNED_URLS):
            async with self._slot():
                result = await client.create_stream_url(item.text, item.voice_id, item.options)
            url = result.playable_url
            if not url:
                raise InvalidAudioError("The service returned no stream URL for this text.")
            return await self._loaded(url, result, signed_url_deadline(url))
        if self.relay is None:
            raise InvalidAudioError(
                "This voice service gives no shareable audio URL; set AUDIO_RELAY_PUBLIC_URL."
            )
        stream = client.iter_speech(
            item.text, item.voice_id, item.options, deadline=BOT_ITEM_DEADLINE
        )
        async with self._slot():
            first = await _first_chunk(stream)
        url, clip = self.relay.offer(first, stream)
        return await self._loaded(url, None, clip.expires_at - SIGNED_URL_EXPIRY_MARGIN)

    async def _loaded(
        self, url: str, result: GenerationResult | None, until: float
    ) -> PreparedTrack:
        _LOGGER.debug("Loading %s on Lavalink", redact_url(url))
        try:
            found = await wavelink.Pool.fetch_tracks(url)
        except wavelink.LavalinkLoadException as error:
            message = f"The Lavalink node could not load the audio: {error.error}"
            raise LavalinkTrackError(message) from None
        except wavelink.InvalidNodeException:
            raise LavalinkTrackError("No Lavalink node is connected.") from None
        tracks = found.tracks if isinstance(found, wavelink.Playlist) else found
        if not tracks:
            raise InvalidAudioError("The Lavalink node found no audio at the service's URL.")
        return PreparedTrack(
            tracks[0],
            result=result,
            reopen=lambda: self._loaded(url, result, until),
            reopen_until=until,
        )

    async def play(
        self,
        voice_client: LavalinkVoiceClient,
        prepared: PreparedTrack,
        *,
        on_started: StartedCallback,
        on_ended: EndedCallback,
    ) -> None:
        await voice_client.start(prepared, on_started, on_ended)

    def skip(self, voice_client: LavalinkVoiceClient) -> None:
        voice_client.stop_soon()

    def stop(self, voice_client: LavalinkVoiceClient) -> None:
        voice_client.stop_soon()

    def is_connected(self, voice_client: LavalinkVoiceClient) -> bool:
        return voice_client.is_connected()

    def _slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.slots.slot() if self.slots is not None else contextlib.nullcontext()

    # -- node events --------------------------------------------------------------------------

    async def _on_node_ready(self, payload: wavelink.NodeReadyEventPayload) -> None:
        _LOGGER.info(
            "Lavalink node %s ready (session %s)",
            payload.node.identifier,
            "resumed" if payload.resumed else "new",
        )
        self._ready.set()
        if payload.resumed:
            return  # the node kept our players: their events arrive as if nothing happened
        # A new session (the node restarted, or kept nothing): its players and their voice
        # connections are gone. Each is handled as a dropped voice connection: reconnect, replay.
        for player in payload.node.players.values():
            if isinstance(player, LavalinkVoiceClient):
                player.voice_closed(None)

    async def _on_track_start(self, payload: wavelink.TrackStartEventPayload) -> None:
        if isinstance(payload.player, LavalinkVoiceClient):
            payload.player.track_started(payload.track.encoded)

    async def _on_track_exception(self, payload: wavelink.TrackExceptionEventPayload) -> None:
        if isinstance(payload.player, LavalinkVoiceClient):
            payload.player.track_failed(payload.track.encoded, dict(payload.exception))

    async def _on_track_end(self, payload: wavelink.TrackEndEventPayload) -> None:
        if isinstance(payload.player, LavalinkVoiceClient):
            payload.player.track_ended(payload.track.encoded, payload.reason)

    async def _on_websocket_closed(self, payload: wavelink.WebsocketClosedEventPayload) -> None:
        if isinstance(payload.player, LavalinkVoiceClient):
            payload.player.voice_closed(int(getattr(payload.code, "value", payload.code)))


async def _first_chunk(stream: Any) -> bytes:
    """The service's first bytes: errors (credits, unknown voice) surface before anything plays."""
    try:
        async for chunk in stream:
            if chunk:
                return bytes(chunk)
    except BaseException:
        await stream.aclose()
        raise
    raise InvalidAudioError("The service returned no audio for this text.")
