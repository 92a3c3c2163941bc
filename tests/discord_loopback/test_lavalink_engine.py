"""Item 4: the Lavalink engine through the real Wavelink client, a loopback Lavalink v4 node, the
loopback Discord and the emulator — and the default engine keeping the same outcomes.

The node fetches the signed URL itself and decodes it with real FFmpeg; `assert_node_played`
checks exactly that, and `test_a_node_that_only_claims_to_play_fails_the_check` runs a node that
answers "playing" without fetching to show the check catches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from discord.ext import commands
from loopback_discord import LoopbackDiscord, w
from loopback_lavalink import PASSWORD, LoopbackLavalink
from vocu_client.providers import create_provider
from vocu_discord.audio_relay import AudioRelay
from vocu_discord.bot import bot_intents
from vocu_discord.lavalink_engine import LavalinkBackend, LavalinkNodeConfig
from vocu_discord.services import BotServices
from vocu_discord.settings import open_settings
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e

RESUME_SECONDS = 42
TIMEOUT = 30.0


class LyingLavalink(LoopbackLavalink):
    """A node that says it played without fetching or decoding anything."""

    async def _play(self, session: Any, player: Any, track: dict[str, Any]) -> None:
        from loopback_lavalink import _event  # noqa: PLC0415

        await self._emit(session, _event("TrackStartEvent", player.guild_id, track))
        await asyncio.sleep(0.2)
        player.playing, player.track = None, None
        await self._emit(session, _event("TrackEndEvent", player.guild_id, track, "finished"))


class EngineBot(commands.Bot):
    def __init__(self, services: BotServices, loopback: LoopbackDiscord) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            connector=loopback.connector(),
        )
        self.vocu_services = services

    async def setup_hook(self) -> None:
        await self.load_extension("vocu_discord")


@pytest.fixture
def node_class() -> type[LoopbackLavalink]:
    return LoopbackLavalink


@pytest.fixture
async def node(node_class: type[LoopbackLavalink]) -> AsyncIterator[LoopbackLavalink]:
    running = node_class()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture(params=["lavalink"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def provider() -> str:
    return "vocu"


@pytest.fixture
async def engine_services(
    tmp_path: Path, vocu_emulator: EmulatorHandle, node: LoopbackLavalink, engine: str,
    provider: str,
) -> AsyncIterator[BotServices]:  # fmt: skip
    if provider == "noiz":
        client = create_provider("noiz", seed.NOIZ_KEY, base_url=vocu_emulator.url("/noiz/v1"))
        voice_id = seed.NOIZ_VOICE_ID
    else:
        client = create_provider("vocu", seed.PAID_TOKEN, base_url=vocu_emulator.base_url)
        voice_id = seed.ALICE_ID
    settings = await open_settings(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    playback = None
    if engine == "lavalink":
        relay = AudioRelay(host="127.0.0.1", port=0) if provider == "noiz" else None
        playback = LavalinkBackend(
            [LavalinkNodeConfig(node.uri, PASSWORD)], relay=relay, resume_seconds=RESUME_SECONDS
        )
    built = BotServices.build(client, settings, default_voice_id=voice_id, playback=playback)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def engine_bot(
    engine_services: BotServices, loopback: LoopbackDiscord
) -> AsyncIterator[EngineBot]:
    running = EngineBot(engine_services, loopback)
    await running.login(w.BOT_TOKEN)
    task = asyncio.create_task(running.connect(reconnect=False))
    try:
        async with asyncio.timeout(TIMEOUT):
            await running.wait_until_ready()
            if isinstance(engine_services.playback, LavalinkBackend):
                await engine_services.playback.wait_ready(TIMEOUT)
        yield running
    finally:
        for voice_client in running.voice_clients:
            _wake_socket_reader(voice_client, loopback)
        await running.close()
        await asyncio.wait([task], timeout=10)


def _wake_socket_reader(voice_client: Any, loopback: LoopbackDiscord) -> None:
    connection = getattr(voice_client, "_connection", None)
    if connection is None:  # Lavalink's player: the node holds the voice connection
        return
    connection._socket_reader.stop()
    udp = connection.socket
    if udp and udp.fileno() != -1:
        loopback.voice.send_datagram(b"wake", udp.getsockname())


async def _until(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - state recorded by several servers, no one event
            await asyncio.sleep(0.05)


async def _join(loopback: LoopbackDiscord) -> None:
    join = await loopback.slash("tts join")
    assert "Joined" in await join.wait_for_text(TIMEOUT)


async def _guild_usage(services: BotServices) -> int:
    usage = await services.settings.usage(w.GUILD_ID, w.MEMBER_ID, services.budget.today())
    return usage.guild_chars


def _player_events(services: BotServices) -> list[str]:
    player = services.players.get(w.GUILD_ID)
    assert player is not None
    return [event.kind for event in player.timeline]


def assert_node_played(node: LoopbackLavalink, emulator: EmulatorHandle) -> None:
    """The node fetched the signed URL itself (no key, none of the bot's headers) and decoded
    real audio from it — not merely reported that it played."""
    plays = [f for f in node.fetches if f.purpose == "play"]
    assert plays, "the node never fetched the track URL"
    assert all("/api/tts/stream/" in f.url and f.status == 200 for f in plays)
    assert all("Authorization" not in f.headers for f in plays)
    served = [r for r in emulator.requests if r.path.startswith("/api/tts/stream/")]
    assert len(served) >= len(plays), "the emulator never served the stream the node claims"
    assert all(seed.PAID_TOKEN not in str(r.headers) for r in served)
    assert node.decoded_frames.get(str(w.GUILD_ID), 0) > 10, "nothing was decoded"


async def test_plays_vocu_signed_url_through_the_node(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink, vocu_emulator: EmulatorHandle,
) -> None:  # fmt: skip
    await _join(loopback)
    # Wavelink sent the voice server update with the channel id (DAVE on Lavalink 4.2+).
    voice = node.voice_updates[-1]
    assert voice["channelId"] == str(w.VOICE_CHANNEL_ID)
    assert voice["token"] and voice["endpoint"] and voice["sessionId"]
    # Session resuming configured on the node, for rolling restarts.
    assert {"resuming": True, "timeout": RESUME_SECONDS} in node.session_updates

    say = await loopback.slash("tts say", text="Hello through Lavalink.")
    await say.wait_for_text(TIMEOUT)
    await _until(lambda: "TrackEndEvent:finished" in node.event_types(w.GUILD_ID))
    await _until(lambda: "finished" in _player_events(engine_services))
    assert node.event_types(w.GUILD_ID) == ["TrackStartEvent", "TrackEndEvent:finished"]
    assert _player_events(engine_services)[-2:] == ["started", "finished"]
    assert_node_played(node, vocu_emulator)
    assert await _guild_usage(engine_services) > 0  # billed: reconciled, not refunded
    assert ("GET", "/v4/info", None) in node.requests


@pytest.mark.parametrize("node_class", [LyingLavalink])
async def test_a_node_that_only_claims_to_play_fails_the_check(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink, vocu_emulator: EmulatorHandle,
) -> None:  # fmt: skip
    await _join(loopback)
    await loopback.slash("tts say", text="Hello through Lavalink.")
    await _until(lambda: "TrackEndEvent:finished" in node.event_types(w.GUILD_ID))
    with pytest.raises(AssertionError):
        assert_node_played(node, vocu_emulator)


async def test_skip_stops_the_track_and_the_queue_moves_on(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink,
) -> None:  # fmt: skip
    await _join(loopback)
    long_text = "This sentence is long enough to be skipped while it is still being read. " * 2
    await loopback.slash("tts say", text=long_text)
    await _until(lambda: "TrackStartEvent" in node.event_types(w.GUILD_ID))
    await loopback.slash("tts say", text="And this one plays after it.")
    await _until(lambda: len(engine_services.players.get(w.GUILD_ID).queue_snapshot()) == 1)
    skip = await loopback.slash("tts skip")
    await skip.wait_for_text(TIMEOUT)
    await _until(lambda: node.event_types(w.GUILD_ID).count("TrackEndEvent:finished") == 1)
    assert node.event_types(w.GUILD_ID) == [
        "TrackStartEvent", "TrackEndEvent:stopped", "TrackStartEvent", "TrackEndEvent:finished",
    ]  # fmt: skip
    await _until(lambda: _player_events(engine_services).count("finished") == 2)
    assert "failed" not in _player_events(engine_services)


@pytest.mark.parametrize("engine", ["ffmpeg", "lavalink"])
@pytest.mark.parametrize("when", ["load", "play"])
async def test_a_4xx_stream_fails_the_item_and_refunds_on_both_engines(
    *, engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink, vocu_emulator: EmulatorHandle, engine: str, when: str,
) -> None:  # fmt: skip
    await _join(loopback)
    expired = Fault(path="/api/tts/stream/*", status=403, times=None)
    if when == "load" or engine == "ffmpeg":
        vocu_emulator.inject(expired)
    else:  # fine while the node loads it, refused when it fetches it to play (it expired)
        node.after_load = lambda: vocu_emulator.inject(expired)
    before = len(loopback.rest.messages)
    await loopback.slash("tts say", text="This link will not open.")
    await _until(lambda: "failed" in _player_events(engine_services))
    await _until(lambda: len(loopback.rest.messages) > before)  # its channel is told
    assert await _guild_usage(engine_services) == 0  # refunded
    if engine == "lavalink":
        expected = [] if when == "load" else ["TrackExceptionEvent", "TrackEndEvent:loadFailed"]
        assert node.event_types(w.GUILD_ID) == expected


async def test_undecodable_audio_is_a_track_exception_and_refunded(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink, vocu_emulator: EmulatorHandle,
) -> None:  # fmt: skip
    await _join(loopback)
    node.after_load = lambda: vocu_emulator.inject(
        Fault(path="/api/tts/stream/*", garbage=True, times=None)
    )
    await loopback.slash("tts say", text="This audio turns to garbage.")
    await _until(lambda: "failed" in _player_events(engine_services))
    assert node.event_types(w.GUILD_ID) == ["TrackExceptionEvent", "TrackEndEvent:loadFailed"]
    assert node.decoded_frames.get(str(w.GUILD_ID), 0) == 0
    assert await _guild_usage(engine_services) == 0


async def test_a_permanent_voice_close_on_the_node_leaves_like_the_default_engine(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink,
) -> None:  # fmt: skip
    await _join(loopback)
    await engine_services.settings.update_guild(w.GUILD_ID, text_channel_id=w.TEXT_CHANNEL_ID)
    before = len(loopback.rest.messages)
    await node.voice_closed(w.GUILD_ID, 4004, "Authentication failed")
    await _until(lambda: engine_services.players.get(w.GUILD_ID) is None)
    await _until(lambda: len(loopback.rest.messages) > before)
    assert "4004" in loopback.rest.messages[-1]["content"]
    assert ("DELETE", f"/v4/sessions/{next(iter(node.sessions))}/players/{w.GUILD_ID}", None) in (
        node.requests
    )


async def test_a_transient_voice_close_reconnects_and_replays_the_cut_item(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink,
) -> None:  # fmt: skip
    await _join(loopback)
    player = engine_services.players.get(w.GUILD_ID)
    await loopback.slash("tts say", text="This sentence is cut off by a voice server restart.")
    await _until(lambda: "TrackStartEvent" in node.event_types(w.GUILD_ID))
    await node.voice_closed(w.GUILD_ID, 4015, "Voice server crashed")
    await _until(lambda: "TrackEndEvent:finished" in node.event_types(w.GUILD_ID))
    assert node.event_types(w.GUILD_ID) == [
        "TrackStartEvent", "WebSocketClosedEvent", "TrackEndEvent:cleanup",
        "TrackStartEvent", "TrackEndEvent:finished",
    ]  # fmt: skip
    assert len(node.voice_updates) == 2  # a new connection, with the channel id again
    assert node.voice_updates[1]["channelId"] == str(w.VOICE_CHANNEL_ID)
    assert engine_services.players.get(w.GUILD_ID) is player  # same queue, same player
    await _until(lambda: "finished" in _player_events(engine_services))
    assert "failed" not in _player_events(engine_services)


async def test_a_restarted_node_is_a_voice_drop_the_cut_item_is_replayed(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink,
) -> None:  # fmt: skip
    await _join(loopback)
    await loopback.slash("tts say", text="This sentence outlives a restart of the audio node.")
    await _until(lambda: "TrackStartEvent" in node.event_types(w.GUILD_ID))
    first = next(iter(node.sessions))
    await node.restart()
    await _until(lambda: "TrackEndEvent:finished" in node.event_types(w.GUILD_ID))
    assert next(iter(node.sessions)) != first  # a new session, not a resumed one
    assert node.voice_updates[-1]["channelId"] == str(w.VOICE_CHANNEL_ID)
    await _until(lambda: "finished" in _player_events(engine_services))
    assert "failed" not in _player_events(engine_services)


async def test_a_dropped_node_connection_resumes_its_session(
    engine_bot: EngineBot, engine_services: BotServices, node: LoopbackLavalink
) -> None:
    first = next(iter(node.sessions))
    node.cut_websockets()
    await _until(lambda: len(node.handshakes) == 2)
    assert node.handshakes[1].get("Session-Id") == first
    assert list(node.sessions) == [first]  # resumed, not a new session


@pytest.mark.parametrize("provider", ["noiz"])
async def test_noiz_audio_reaches_the_node_through_the_relay_without_the_key(
    engine_bot: EngineBot, engine_services: BotServices, loopback: LoopbackDiscord,
    node: LoopbackLavalink, vocu_emulator: EmulatorHandle,
) -> None:  # fmt: skip
    await _join(loopback)
    await loopback.slash("tts say", text="Hello from a service without signed links.")
    await _until(lambda: "TrackEndEvent:finished" in node.event_types(w.GUILD_ID))
    assert node.event_types(w.GUILD_ID) == ["TrackStartEvent", "TrackEndEvent:finished"]
    relay = engine_services.playback.relay  # type: ignore[attr-defined]
    assert [f.purpose for f in node.fetches] == ["probe", "play"]  # two GETs of one URL
    assert {f.url for f in node.fetches} == {node.fetches[0].url}
    assert node.fetches[0].url.startswith(f"{relay.public_url}/relay/")
    assert all(f.status == 200 for f in node.fetches)
    assert node.decoded_frames[str(w.GUILD_ID)] > 10
    for fetch in node.fetches:  # the node never sees the key, in the URL or a header
        assert seed.NOIZ_KEY not in fetch.url and seed.NOIZ_KEY not in str(fetch.headers)
    synthesis = [r for r in vocu_emulator.requests if r.path.startswith("/noiz/v1/")]
    assert synthesis and all("/relay/" not in r.path for r in synthesis)
