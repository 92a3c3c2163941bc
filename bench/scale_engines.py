"""The playback engines bench_discord_scale.py can drive, and what one guild's playback measured.

An engine runs inside the bot-side worker process: it opens whatever one bot process needs (one
Vocu client, the shared synthesis slots, one source factory), makes one player per guild, and
plays a list of texts in a guild. The harness measures the worker from outside (CPU, memory, its
child processes), so an engine only reports timings. Add an engine by registering a class in
`ENGINES`. The harness counts the worker's reaped child processes as "FFmpeg": an engine whose
audio runs elsewhere starts that outside the worker, as ``"lavalink"`` does (the harness runs its
node and hands the worker ``node_uri``). Keyword options from the command line
(``encoder_options``, ``node_uri``) reach the constructor only when given.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

from vocu_client.providers import create_provider
from vocu_discord.audio import SignedStreamOpusAudio, StreamSourceFactory
from vocu_discord.lavalink_engine import LavalinkBackend, LavalinkNodeConfig, LavalinkVoiceClient
from vocu_discord.player import GuildPlayer, SpeechItem
from vocu_discord.recording import RecordingVoiceClient
from vocu_discord.synthesis_slots import SynthesisSlots

PLAY_TIMEOUT = 600.0


@dataclass(slots=True)
class GuildRun:
    """One guild's playback: when it was asked to speak, when each frame left the player."""

    enqueued_at: float
    first_frame_at: float | None = None
    last_frame_at: float | None = None
    frames: int = 0
    audio_seconds: float = 0.0
    # Intervals between consecutive 20 ms frames of one item (never across two items), seconds.
    frame_intervals: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def first_frame_latency(self) -> float | None:
        return None if self.first_frame_at is None else self.first_frame_at - self.enqueued_at

    @property
    def active_seconds(self) -> float:
        """From its first frame to its last: the time this guild's player was speaking."""
        if self.first_frame_at is None or self.last_frame_at is None:
            return 0.0
        return self.last_frame_at - self.first_frame_at


class Engine(Protocol):
    name: str
    # What the voice connection is, said in the report (e.g. what the stand-in skips).
    voice_connection: str

    async def open(self, base_url: str, token: str, players: int) -> None: ...
    async def speak(self, guild: int, voice_id: str, texts: Sequence[str]) -> GuildRun: ...
    async def close(self) -> None: ...


class FfmpegEngine:
    """The default engine: the bot's `GuildPlayer` + `StreamSourceFactory` (one FFmpeg per item,
    fed the signed stream URL), as `services.py` wires them: one client, one factory and one set
    of synthesis slots shared by every guild. Only the voice connection is `RecordingVoiceClient`,
    which pulls one 20 ms frame at a time on its own thread, as discord.py's AudioPlayer does."""

    name = "ffmpeg"
    voice_connection = (
        "RecordingVoiceClient: one thread per guild pulling 20 ms Opus frames from FFmpeg at real "
        "time like discord.py's AudioPlayer, but it neither encrypts nor sends them over UDP"
    )

    def __init__(self, encoder_options: Sequence[str] = ()) -> None:
        # What-if only: FFmpeg options appended after the bot's own (FFmpeg keeps the last value).
        self.encoder_options = tuple(encoder_options)
        self._stack = contextlib.AsyncExitStack()
        self._players: list[GuildPlayer] = []
        self._voices: list[RecordingVoiceClient] = []
        self._done: list[asyncio.Queue[str | None]] = []

    async def open(self, base_url: str, token: str, players: int) -> None:
        client = await self._stack.enter_async_context(
            create_provider("vocu", token, base_url=base_url)
        )
        factory = (
            _WhatIfFactory(self.encoder_options, slots=SynthesisSlots(client))
            if self.encoder_options
            else StreamSourceFactory(slots=SynthesisSlots(client))
        )
        for _ in range(players):
            voice = RecordingVoiceClient(realtime=True)
            done: asyncio.Queue[str | None] = asyncio.Queue()
            self._voices.append(voice)
            self._done.append(done)
            self._players.append(
                GuildPlayer(
                    client,
                    voice,
                    source_factory=factory,
                    on_played=_reporter(done),
                    on_error=_error_reporter(done),
                )
            )

    async def speak(self, guild: int, voice_id: str, texts: Sequence[str]) -> GuildRun:
        player, voice, done = self._players[guild], self._voices[guild], self._done[guild]
        run = GuildRun(enqueued_at=time.monotonic())
        for n, text in enumerate(texts):
            await player.enqueue(SpeechItem(text=text, voice_id=voice_id, label=f"g{guild} {n}"))
        async with asyncio.timeout(PLAY_TIMEOUT):
            for _ in texts:
                error = await done.get()
                if error is not None:
                    run.errors.append(error)
        for segment in voice.segments:
            times = segment.frame_times
            if not times:
                continue
            if run.first_frame_at is None:
                run.first_frame_at = times[0]
            run.last_frame_at = times[-1]
            run.frames += len(times)
            run.audio_seconds += segment.duration
            run.frame_intervals.extend(b - a for a, b in itertools.pairwise(times))
        return run

    async def close(self) -> None:
        # Every FFmpeg is killed and reaped here, so its CPU time is in the worker's children.
        await asyncio.gather(*(player.aclose() for player in self._players))
        for voice in self._voices:
            voice.stop()
        await asyncio.to_thread(_join_all, self._voices)
        await self._stack.aclose()


class _WhatIfFactory(StreamSourceFactory):
    """The bot's factory with extra FFmpeg output options, to measure what a change would save."""

    def __init__(self, encoder_options: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.encoder_options = encoder_options

    def _open(self, url: str) -> SignedStreamOpusAudio:
        options = self.encoder_options

        class Source(SignedStreamOpusAudio):
            def _spawn_process(self, args: Any, **subprocess_kwargs: Any) -> Any:
                return super()._spawn_process([*args[:-1], *options, args[-1]], **subprocess_kwargs)

        return Source(
            url, executable=self.executable, before_options=self.before_options,
            bitrate=self.bitrate,
        )  # fmt: skip


def _reporter(done: asyncio.Queue[str | None]) -> Any:
    async def on_played(_item: SpeechItem, _result: object) -> None:
        done.put_nowait(None)

    return on_played


def _error_reporter(done: asyncio.Queue[str | None]) -> Any:
    async def on_error(_item: SpeechItem, error: Exception) -> None:
        done.put_nowait(f"{type(error).__name__}: {error}")

    return on_error


def _join_all(voices: list[RecordingVoiceClient]) -> None:
    for voice in voices:
        voice.join(10)


class LavalinkEngine:
    """The distributed engine, bot side only: the bot's `GuildPlayer` on `LavalinkBackend` (real
    Wavelink 3.5) with one `LavalinkVoiceClient` per guild, against a Lavalink node the harness
    runs in its own process (``node_uri``), so the node's decoding is not charged to the bot.

    No Discord login: `_StandInBot` gives Wavelink the two things it reads (``user.id`` when the
    node connects, ``dispatch`` for the node's events) and each player a guild id and a channel,
    marked connected without the voice-server PATCH a real join sends once per guild. The bot
    sends no audio on this engine: a "frame" here is the node's, counted by the harness; the bot
    sees TrackStart/TrackEnd, which set the first-frame and active times below."""

    name = "lavalink"
    voice_connection = (
        "none on the bot side: the Lavalink node fetches, decodes and sends the audio; here the "
        "loopback node of the test suite (tests/discord_loopback/loopback_lavalink), which "
        "decodes with real FFmpeg and paces 20 ms frames in real time but sends no RTP"
    )

    def __init__(self, node_uri: str = "", node_password: str = "youshallnotpass") -> None:
        if not node_uri:
            raise ValueError("the lavalink engine needs the node the harness started (node_uri)")
        self.node = LavalinkNodeConfig(node_uri, node_password)
        self._stack = contextlib.AsyncExitStack()
        self._backend: LavalinkBackend | None = None
        self._players: list[GuildPlayer] = []
        self._done: list[asyncio.Queue[str | None]] = []

    async def open(self, base_url: str, token: str, players: int) -> None:
        client = await self._stack.enter_async_context(
            create_provider("vocu", token, base_url=base_url)
        )
        backend = LavalinkBackend([self.node], slots=SynthesisSlots(client))
        self._backend = backend
        bot = _StandInBot()
        await backend.start(bot)
        await backend.wait_ready(60)
        (node,) = backend.nodes
        for guild in range(players):
            guild_id = GUILD_ID_BASE + guild
            channel = SimpleNamespace(  # one listener: Wavelink counts them after every track
                id=guild_id + 1, guild=SimpleNamespace(id=guild_id), members=[LISTENER]
            )
            voice = LavalinkVoiceClient(bot, channel, nodes=[node])
            voice._guild = channel.guild  # what VoiceChannel.connect(cls=...) sets
            voice._connected = True  # what the voice server update sets
            node._players[guild_id] = voice  # what connect() registers: the node's events find it
            done: asyncio.Queue[str | None] = asyncio.Queue()
            self._done.append(done)
            self._players.append(
                GuildPlayer(
                    client,
                    voice,
                    backend=backend,
                    on_played=_reporter(done),
                    on_error=_error_reporter(done),
                )
            )

    async def speak(self, guild: int, voice_id: str, texts: Sequence[str]) -> GuildRun:
        player, done = self._players[guild], self._done[guild]
        run = GuildRun(enqueued_at=time.monotonic())
        for n, text in enumerate(texts):
            await player.enqueue(SpeechItem(text=text, voice_id=voice_id, label=f"g{guild} {n}"))
        async with asyncio.timeout(PLAY_TIMEOUT):
            for _ in texts:
                error = await done.get()
                if error is not None:
                    run.errors.append(error)
        started: float | None = None
        for event in player.timeline:  # TrackStart → "started", TrackEnd → "finished"
            if event.kind == "started":
                started = event.at
                if run.first_frame_at is None:
                    run.first_frame_at = event.at
            elif event.kind == "finished" and started is not None:
                run.audio_seconds += event.at - started
                run.last_frame_at, started = event.at, None
        return run

    async def close(self) -> None:
        await asyncio.gather(*(player.aclose() for player in self._players))
        if self._backend is not None:
            await self._backend.aclose()
        await self._stack.aclose()


GUILD_ID_BASE = 900_000_000_000_000_000
LISTENER = SimpleNamespace(id=GUILD_ID_BASE - 2, bot=False)


class _StandInBot:
    """What Wavelink and `LavalinkBackend` use of a logged-in `commands.Bot`, and nothing else."""

    def __init__(self) -> None:
        self.user = SimpleNamespace(id=GUILD_ID_BASE - 1, name="vocu-bench")
        self._listeners: dict[str, list[Callable[..., Any]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def add_listener(self, listener: Callable[..., Any], name: str) -> None:
        self._listeners.setdefault(name, []).append(listener)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        for listener in self._listeners.get(f"on_{event}", []):  # as discord.py: one task each
            task = asyncio.get_running_loop().create_task(listener(*args, **kwargs))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


ENGINES: dict[str, Callable[..., Engine]] = {"ffmpeg": FfmpegEngine, "lavalink": LavalinkEngine}
