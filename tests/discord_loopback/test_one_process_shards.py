"""Issue 14: with no shard settings the bot is one process that runs what Discord recommends."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from pathlib import Path

import pytest
from loopback_discord import LoopbackDiscord, w
from vocu_discord.bot import VocuBot, open_services
from vocu_discord.config import BotConfig
from vocu_discord.identify_gate import LocalIdentifyGate
from vocu_discord.services import BotServices
from vocu_emulator import seed
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e


async def _saved_channels(services: BotServices, guild_ids: Iterable[int]) -> list[int]:
    return [
        channel
        for guild_id in guild_ids
        if (channel := (await services.settings.get_guild(guild_id)).voice_channel_id)
    ]


INTERVAL = 0.3  # Discord's 5 s window, scaled for the test


async def test_recommended_shards_run_in_one_process_on_sqlite(
    loopback: LoopbackDiscord, vocu_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    gateway = loopback.gateway
    gateway.recommended_shards = 2  # Discord's choice: this process runs both
    gateway.identify_interval = INTERVAL
    config = BotConfig.from_env(
        {
            "DISCORD_TOKEN": w.BOT_TOKEN,
            "VOCU_TOKEN": seed.PAID_TOKEN,
            "VOCU_BASE_URL": vocu_emulator.base_url,
            "VOCU_BOT_DATA_DIR": str(tmp_path),
            "BOT_OWNER_IDS": "1",
            "DISCORD_IDENTIFY_INTERVAL": str(INTERVAL),
        }
    )
    assert config.database_url.startswith("sqlite:///")
    assert config.shard_count is None
    services = await open_services(config)
    gone = {shard: w.guild_on_shard(shard, 2, n=3) for shard in (0, 1)}
    for guild_id in gone.values():  # left while the bot was offline: both are this process's
        await services.settings.update_guild(guild_id, voice_channel_id=guild_id + 2)
    bot = VocuBot(config, services=services, connector=loopback.connector(), command_sync="never")
    assert isinstance(bot.identify_gate, LocalIdentifyGate)
    async with bot:
        await bot.login(config.discord_token)
        task = asyncio.create_task(bot.connect(reconnect=False))
        try:
            async with asyncio.timeout(60):
                await bot.wait_until_ready()
                while await _saved_channels(services, gone.values()):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)  # the cog has no "re-joined" event to wait on
            assert bot.shard_count == 2
            assert sorted(bot.shards) == [0, 1]
            assert [(r.shard_id, r.shard_count, r.accepted) for r in gateway.identifies] == [
                (0, 2, True), (1, 2, True)
            ]  # fmt: skip
            times = [r.at for r in gateway.identifies]
            assert all(b - a >= INTERVAL for a, b in itertools.pairwise(times))
            assert bot.get_guild(w.GUILD_ID) is not None  # shard 1's guild arrived
        finally:
            await bot.close()
            await asyncio.wait([task], timeout=10)
