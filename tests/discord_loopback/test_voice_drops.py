"""Item 1: transient voice drops reconnect with the queue intact; only a real leave forgets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from loopback_discord import LoopbackDiscord, w
from vocu_discord.services import BotServices

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
    bot, loopback: LoopbackDiscord, services: BotServices
) -> None:
    await _join(loopback)
    say = await loopback.slash("tts say", text=LONG_TEXT)
    assert "Queued" in await say.wait_for_text(30)
    await asyncio.wait_for(loopback.voice.audio_arrived.wait(), 30)

    await loopback.voice.close_sessions(4006)  # mid-sentence
    await _until(lambda: len(loopback.voice.identifies) == 2)
    await _until(lambda: any("dropped" in m.get("content", "") for m in loopback.rest.messages))
    assert await _saved_channel(services) == w.VOICE_CHANNEL_ID

    before = loopback.voice.rtp_packets
    again = await loopback.slash("tts say", text="Still here after the drop.")
    assert "Queued" in await again.wait_for_text(30)
    await _until(lambda: loopback.voice.rtp_packets > before + 10)


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
    assert await _saved_channel(services) == w.OTHER_VOICE_CHANNEL_ID
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
