"""Item 10: *Speak this message* names mentions from the message itself, cached or not."""

from __future__ import annotations

import asyncio
import json

import pytest
from loopback_discord import LoopbackDiscord, w
from loopback_discord.world import user_json
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e

STRANGER_ID = 900_000_000_000_000_999  # not a member the bot has cached


def _synthesised(emulator: EmulatorHandle) -> list[str]:
    return [json.dumps(r.json) for r in emulator.requests if "generate" in r.path]


async def test_mentions_of_uncached_members_are_named_not_someone(
    bot, loopback: LoopbackDiscord, vocu_emulator: EmulatorHandle
) -> None:
    assert "Joined" in await (await loopback.slash("tts join")).wait_for_text(30)
    message = loopback.world.message_json(
        w.TEXT_CHANNEL_ID,
        w.OTHER_MEMBER_ID,
        f"<@{STRANGER_ID}> look at this",
        mentions=[user_json(STRANGER_ID, "carol")],
    )
    menu = await loopback.context_menu("Speak this message", message)
    assert "Queued" in await menu.wait_for_text(30)
    async with asyncio.timeout(30):
        while not (sent := _synthesised(vocu_emulator)):  # noqa: ASYNC110 - emulator state
            await asyncio.sleep(0.05)
    assert any("Carol" in text for text in sent), sent
    assert not any("someone" in text for text in sent)
