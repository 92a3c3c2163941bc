"""Positive control: `/tts join` + `/tts say` through real discord.py, audio reaches voice UDP."""

from __future__ import annotations

import asyncio

import pytest
from loopback_discord import LoopbackDiscord, w

pytestmark = pytest.mark.e2e


async def test_say_audio_reaches_the_voice_udp_endpoint(bot, loopback: LoopbackDiscord) -> None:
    join = await loopback.slash("tts join")
    assert "Joined" in await join.wait_for_text(30)
    assert loopback.world.voice[w.APP_ID] == w.VOICE_CHANNEL_ID
    assert loopback.voice.identifies[0]["max_dave_protocol_version"] >= 1  # davey is installed

    say = await loopback.slash("tts say", text="Hello from the loopback.")
    await say.wait_for_text(30)
    assert say.rejected == []
    async with asyncio.timeout(30):
        await loopback.voice.audio_arrived.wait()  # 10 Opus packets: 200 ms of speech
