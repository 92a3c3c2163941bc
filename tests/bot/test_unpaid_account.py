"""Unpaid Vocu accounts (403 TTS_PAID_ONLY on synchronous generation) speak through async jobs:
job → audio URL → FFmpeg, remembered for the key after the first refusal, as Home Assistant does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from bot_fakes import World, world_fixture  # noqa: F401 - `world_fixture` provides `world`
from vocu_client.providers import VoiceProvider, create_provider
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle


@pytest.fixture
async def paid_client(vocu_emulator: EmulatorHandle) -> AsyncIterator[VoiceProvider]:
    """Overrides the paid client of `world`: here the bot holds an unpaid account's key."""
    client = create_provider("vocu", seed.FREE_TOKEN, base_url=vocu_emulator.base_url)
    try:
        yield client
    finally:
        await client.close()


def _posts(emulator: EmulatorHandle, path: str) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path == path)


async def test_say_on_an_unpaid_account_plays_a_job_and_remembers(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    voice_client = await world.join()
    for text in ("First through a job.", "Second, straight to a job."):
        interaction = world.interaction()
        await world.cog.say.callback(world.cog, interaction, text, seed.BOB_ID)
        assert interaction.last.startswith("Queued")
        await world.drained()
    assert len(voice_client.segments) == 2
    assert all(segment.packets for segment in voice_client.segments)  # audio really played
    assert _posts(vocu_emulator, "/api/tts/simple-generate") == 1  # refused once, remembered
    assert _posts(vocu_emulator, "/api/tts/generate") == 2


async def test_file_on_an_unpaid_account_comes_from_a_job(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    refusals = []
    for _ in range(2):
        interaction = world.interaction()
        await world.cog.file.callback(world.cog, interaction, "A file for free.", seed.BOB_ID)
        data = interaction.followup.sent[-1][1]["file"].fp.read()
        assert data[:3] == b"ID3" or data[0] == 0xFF
        refusals.append(
            sum(1 for r in vocu_emulator.requests if r.path.startswith("/api/tts/simple-generate"))
        )
    assert _posts(vocu_emulator, "/api/tts/generate") == 2
    assert refusals[0] >= 1 and refusals[1] == refusals[0]  # the second file went to a job at once
