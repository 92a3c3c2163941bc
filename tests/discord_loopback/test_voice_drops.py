"""Item 1: transient voice drops reconnect with the queue intact; only a real leave forgets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from loopback_discord import LoopbackDiscord, w
from vocu_client.providers import create_provider
from vocu_discord.audio import PreparedAudio, StreamSourceFactory
from vocu_discord.player import PlayerRegistry
from vocu_discord.services import BotServices
from vocu_discord.settings import open_settings
from vocu_emulator import seed
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e

LONG_TEXT = " ".join(["This sentence keeps the bot talking for a good while."] * 5)


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - state lives in discord.py and the loopback
            await asyncio.sleep(0.05)


async def _join(loopback: LoopbackDiscord) -> None:
    assert "Joined" in await (await loopback.slash("tts join")).wait_for_text(30)


async def _saved_channel(services: BotServices) -> int | None:
    return (await services.settings.get_guild(w.GUILD_ID)).voice_channel_id


async def test_a_4006_drop_reconnects_and_the_queue_goes_on(
    bot, loopback: LoopbackDiscord, services: BotServices, vocu_emulator: EmulatorHandle
) -> None:
    await _join(loopback)
    say = await loopback.slash("tts say", text=LONG_TEXT)
    assert "Queued" in await say.wait_for_text(30)
    await asyncio.wait_for(loopback.voice.audio_arrived.wait(), 30)

    await loopback.voice.close_sessions(4006)  # mid-sentence
    await _until(lambda: len(loopback.voice.identifies) == 2)
    assert await _saved_channel(services) == w.VOICE_CHANNEL_ID
    # Vocu's signed stream URL is still valid: the cut-off item is fetched again and replayed
    # from its start — one billed generation, two fetches of its signed URL, no "skipped" notice.
    await _until(lambda: len(_stream_fetches(vocu_emulator)) == 2)
    assert len(_generations(vocu_emulator)) == 1
    assert len(set(_stream_fetches(vocu_emulator))) == 1  # the same audio both times
    await services.players.get(w.GUILD_ID).reported()
    assert not any("dropped" in m.get("content", "") for m in loopback.rest.messages)

    before = loopback.voice.rtp_packets
    again = await loopback.slash("tts say", text="Still here after the drop.")
    assert "Queued" in await again.wait_for_text(30)
    await _until(lambda: loopback.voice.rtp_packets > before + 10)
    assert len(_generations(vocu_emulator)) == 2


async def test_a_lost_network_reconnects_to_the_same_channel(
    bot, loopback: LoopbackDiscord, services: BotServices, caplog: pytest.LogCaptureFixture
) -> None:
    await _join(loopback)
    loopback.voice.lose_network()  # no close frame: discord.py sees 1006
    await _until(lambda: len(loopback.voice.identifies) == 2)
    assert await _saved_channel(services) == w.VOICE_CHANNEL_ID
    assert "closed with 1006 (the connection dropped without a close frame); reconnecting" in (
        caplog.text
    )

    before = loopback.voice.rtp_packets
    again = await loopback.slash("tts say", text="Back after the network came back.")
    assert "Queued" in await again.wait_for_text(30)
    await _until(lambda: loopback.voice.rtp_packets > before + 10)


@pytest.mark.slow  # the backoff sleeps 1+2+4+8+16 s before giving up
async def test_a_voice_that_keeps_dropping_gives_up_and_the_next_message_rejoins(
    bot, loopback: LoopbackDiscord, services: BotServices, caplog: pytest.LogCaptureFixture
) -> None:
    await services.settings.update_guild(
        w.GUILD_ID, autoread_channel_ids=(w.TEXT_CHANNEL_ID,), auto_join=True
    )
    await _join(loopback)
    # Every reconnect is refused as well.
    loopback.voice.close_next_identify = [4006] * 40
    await loopback.voice.close_sessions(4006)
    await _until(lambda: "keeps dropping; gave up" in caplog.text, timeout=240)
    attempts = caplog.text.count("; reconnecting in ")
    assert 5 <= attempts <= 6  # five within the minute (a sixth only if a slow one left it)
    # One voice login per reconnect (the loop has its own backoff; no inner 4006 retry), and
    # ERROR only for the give-up: while reconnects remain a refused one is a WARNING. (discord.py
    # logs its own "Error connecting to voice" for each refused handshake; that is not ours.)
    assert len(loopback.voice.identifies) == 1 + attempts
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR" and r.name.startswith("vocu_discord")
    ]
    assert len(errors) == 1 and "gave up" in errors[0], errors
    loopback.voice.close_next_identify.clear()
    assert services.players.get(w.GUILD_ID) is None
    assert await _saved_channel(services) == w.VOICE_CHANNEL_ID  # kept: not a real leave

    before, identified = loopback.voice.rtp_packets, len(loopback.voice.identifies)
    await loopback.post_message("Are you back?")  # auto-read with auto-join: re-joins
    await _until(lambda: len(loopback.voice.identifies) == identified + 1)
    await _until(lambda: loopback.voice.rtp_packets > before + 10)


def _generations(emulator: EmulatorHandle) -> list[str]:
    return [r.path for r in emulator.requests if r.path.startswith("/api/tts/simple-generate")]


def _stream_fetches(emulator: EmulatorHandle) -> list[str]:
    return [r.path for r in emulator.requests if r.path.startswith("/api/tts/stream/")]


class _UnrepeatableAudio(StreamSourceFactory):
    """Audio that cannot be fetched again without a new bill, as piped audio (Noiz) is."""

    async def __call__(self, client, item) -> PreparedAudio:  # type: ignore[no-untyped-def]
        prepared = await super().__call__(client, item)
        prepared.reopen = None
        return prepared


class TestAudioThatCannotBeFetchedAgain:
    @pytest.fixture
    async def services(
        self, tmp_path: Path, vocu_emulator: EmulatorHandle
    ) -> AsyncIterator[BotServices]:
        client = create_provider("vocu", seed.PAID_TOKEN, base_url=vocu_emulator.base_url)
        settings = await open_settings(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
        players = PlayerRegistry(client, source_factory=_UnrepeatableAudio())
        built = BotServices.build(client, settings, default_voice_id=seed.ALICE_ID, players=players)
        try:
            yield built
        finally:
            await built.aclose()

    async def test_a_drop_skips_it_with_a_notice(
        self, bot, loopback: LoopbackDiscord, services: BotServices, vocu_emulator: EmulatorHandle
    ) -> None:
        await _join(loopback)
        say = await loopback.slash("tts say", text=LONG_TEXT)
        assert "Queued" in await say.wait_for_text(30)
        await asyncio.wait_for(loopback.voice.audio_arrived.wait(), 30)

        await loopback.voice.close_sessions(4006)
        notice = "could not be fetched again without paying twice"
        await _until(lambda: any(notice in m.get("content", "") for m in loopback.rest.messages))
        assert await _saved_channel(services) == w.VOICE_CHANNEL_ID
        assert len(_stream_fetches(vocu_emulator)) == 1  # not fetched again


async def test_kicked_by_a_moderator_forgets_the_channel(
    bot, loopback: LoopbackDiscord, services: BotServices
) -> None:
    await _join(loopback)
    await loopback.kick_bot()
    await _until(lambda: services.players.get(w.GUILD_ID) is None)
    async with asyncio.timeout(10):
        while await _saved_channel(services) is not None:  # noqa: ASYNC110 - a database value
            await asyncio.sleep(0.05)
    await asyncio.sleep(2)  # no reconnect follows
    assert len(loopback.voice.identifies) == 1


async def test_moved_by_a_moderator_follows(
    bot, loopback: LoopbackDiscord, services: BotServices
) -> None:
    await _join(loopback)
    await loopback.move_bot(w.OTHER_VOICE_CHANNEL_ID)
    await _until(lambda: len(loopback.voice.identifies) == 2)
    await _until(bot.get_guild(w.GUILD_ID).voice_client.is_connected)
    # The saved channel is written from the voice-state event, which may land after the
    # voice connection is up again.
    async with asyncio.timeout(10):
        while await _saved_channel(services) != w.OTHER_VOICE_CHANNEL_ID:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert services.players.get(w.GUILD_ID) is not None


async def test_4017_is_reported_once_and_the_bot_stays_out(
    bot, loopback: LoopbackDiscord, services: BotServices
) -> None:
    await _join(loopback)
    await loopback.voice.close_sessions(4017)
    await _until(lambda: services.players.get(w.GUILD_ID) is None)
    await _until(lambda: len(loopback.rest.messages) == 1)
    assert "DAVE" in loopback.rest.messages[0]["content"]
    assert loopback.rest.messages[0]["channel_id"] == w.TEXT_CHANNEL_ID

    await _join(loopback)  # a member asks again; Discord refuses again
    await loopback.voice.close_sessions(4017)
    await _until(lambda: services.players.get(w.GUILD_ID) is None)
    await asyncio.sleep(1)
    assert len(loopback.rest.messages) == 1  # one notice per guild and hour
    assert len(loopback.voice.identifies) == 2  # no reconnect loop


async def test_a_permanent_refusal_while_reconnecting_ends_the_loop_at_once(
    bot, loopback: LoopbackDiscord, services: BotServices, caplog: pytest.LogCaptureFixture
) -> None:
    # A 4017 (no DAVE) answering a reconnect used to be retried until the budget ran out:
    # five more voice logins Discord was bound to refuse, then "keeps dropping".
    await _join(loopback)
    loopback.voice.close_next_identify = [4017] * 10
    await loopback.voice.close_sessions(4006)
    await _until(lambda: services.players.get(w.GUILD_ID) is None)
    await _until(lambda: len(loopback.rest.messages) == 1)
    assert "DAVE" in loopback.rest.messages[0]["content"]
    await asyncio.sleep(2)  # past the next backoff: no further attempt
    assert len(loopback.voice.identifies) == 2  # the join and the one refused reconnect
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR" and r.name.startswith("vocu_discord")
    ]
    assert len(errors) == 1 and "4017" in errors[0] and "staying out" in errors[0], errors
    assert "keeps dropping" not in caplog.text
    assert await _saved_channel(services) == w.VOICE_CHANNEL_ID  # not a real leave
