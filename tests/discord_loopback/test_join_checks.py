"""Item 3: join checks permissions and channel kind first, reports refusals, one at a time."""

from __future__ import annotations

import asyncio
import json

import pytest
from loopback_discord import LoopbackDiscord, w
from vocu_discord.services import BotServices
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e


async def test_join_without_connect_permission_is_refused_without_trying(
    bot, loopback: LoopbackDiscord
) -> None:
    await loopback.set_everyone_permissions(w.MEMBER_PERMISSIONS & ~w.CONNECT)
    join = await loopback.slash("tts join")
    text = await join.wait_for_text(10)
    assert "Connect" in text
    assert loopback.gateway.voice_requests == []


async def test_join_a_full_channel_is_refused(bot, loopback: LoopbackDiscord) -> None:
    await loopback.set_voice_user_limit(1)  # alice is already in it
    join = await loopback.slash("tts join")
    assert "full" in (await join.wait_for_text(10)).lower()
    assert loopback.gateway.voice_requests == []


async def test_join_a_stage_channel_is_refused(bot, loopback: LoopbackDiscord) -> None:
    await loopback.gateway.move_member(w.MEMBER_ID, w.STAGE_CHANNEL_ID)
    join = await loopback.slash("tts join")
    assert "stage" in (await join.wait_for_text(10)).lower()
    assert loopback.gateway.voice_requests == []


async def test_a_refused_voice_endpoint_is_a_clear_message(bot, loopback: LoopbackDiscord) -> None:
    loopback.voice_endpoint_mode = "refuse"
    join = await loopback.slash("tts join")
    text = await join.wait_for_text(30)
    assert "voice server" in text.lower()


async def test_two_joins_during_one_handshake_connect_once(bot, loopback: LoopbackDiscord) -> None:
    loopback.gateway.voice_server_delay = 1.5  # the first handshake is still running
    first = await loopback.slash("tts join")
    await asyncio.sleep(0.5)
    second = await loopback.slash("tts join")
    texts = [await first.wait_for_text(30), await second.wait_for_text(30)]
    assert all("Joined" in text or "already" in text.lower() for text in texts), texts
    assert len(loopback.voice.identifies) == 1


async def test_auto_join_speaks_every_message_that_arrives_during_the_handshake(
    bot, loopback: LoopbackDiscord, services: BotServices, vocu_emulator: EmulatorHandle
) -> None:
    await services.settings.update_guild(
        w.GUILD_ID, autoread_channel_ids=(w.TEXT_CHANNEL_ID,), auto_join=True
    )
    loopback.gateway.voice_server_delay = 1.5  # the messages arrive while the bot connects
    for text in ("First message.", "Second message.", "Third message."):
        await loopback.post_message(text)
    async with asyncio.timeout(60):
        while len(_synthesised(vocu_emulator)) < 3:  # noqa: ASYNC110 - emulator state
            await asyncio.sleep(0.05)
    assert len(loopback.voice.identifies) == 1  # one connection for all three
    assert not [emoji for _, emoji in loopback.rest.reactions]  # no failure reactions


def _synthesised(emulator: EmulatorHandle) -> list[str]:
    return [json.dumps(r.json) for r in emulator.requests if "generate" in r.path]
