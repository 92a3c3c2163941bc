"""Issue 14, item 1: shards split between processes, logins spaced, each process its own guilds."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_fakes import (  # noqa: F401 - `world_fixture` provides the `world` fixture
    World,
    world_fixture,
)
from vocu_discord.__main__ import main
from vocu_discord.config import IDENTIFY_INTERVAL, BotConfig, ConfigError, cluster_shards
from vocu_discord.identify_gate import (
    IDENTIFY_MARGIN,
    LocalIdentifyGate,
    PostgresIdentifyGate,
    identify_gate_for,
)
from vocu_discord.startup import EXIT_CONFIG

PG = "postgresql://bot@db/vocu"
BASE = {"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k", "DATABASE_URL": PG}


def guild_on_shard(shard: int, count: int = 4, n: int = 1) -> int:
    """A guild id Discord would route to ``shard`` of ``count``: (id >> 22) % count."""
    return ((n * count + shard) << 22) + 12345


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


# -- configuration -----------------------------------------------------------------------------


def test_no_shard_settings_is_one_process_with_the_recommended_count(tmp_path: Path) -> None:
    config = BotConfig.from_env({"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k",
                                 "VOCU_BOT_DATA_DIR": str(tmp_path)})  # fmt: skip
    assert config.database_url.startswith("sqlite:///")
    assert (config.shard_count, config.shard_ids) == (None, None)
    assert (config.cluster_index, config.cluster_count) == (0, 1)
    assert config.identify_interval == IDENTIFY_INTERVAL == 5.0
    assert isinstance(identify_gate_for(config.database_url, 5.0), LocalIdentifyGate)


def test_processes_take_every_nth_shard() -> None:
    cluster = {"DISCORD_SHARD_COUNT": "4", "DISCORD_CLUSTER_COUNT": "2"}
    config = BotConfig.from_env({**BASE, **cluster, "DISCORD_CLUSTER_INDEX": "1"})
    assert config.shard_ids == [1, 3]
    assert isinstance(identify_gate_for(config.database_url, 5.0), PostgresIdentifyGate)
    # Every shard exactly once, also when the count does not divide.
    split = [cluster_shards(10, index, 3) for index in range(3)]
    assert sorted(s for shards in split for s in shards) == list(range(10))
    assert split[0] == [0, 3, 6, 9]
    # One process with a fixed count runs all of them, on SQLite too.
    alone = BotConfig.from_env({"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k",
                                "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
                                "DISCORD_SHARD_COUNT": "3"})  # fmt: skip
    assert alone.shard_ids == [0, 1, 2]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT must be a whole number from 1"),
        ({"DISCORD_SHARD_COUNT": "four"}, "DISCORD_SHARD_COUNT must be a whole number from 1"),
        ({"DISCORD_CLUSTER_COUNT": "2", "DISCORD_CLUSTER_INDEX": "0"},
         "DISCORD_CLUSTER_COUNT needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_CLUSTER_COUNT": "2"},
         "Set DISCORD_CLUSTER_INDEX (0 to 1)"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_CLUSTER_COUNT": "2", "DISCORD_CLUSTER_INDEX": "2"},
         "DISCORD_CLUSTER_INDEX must be below DISCORD_CLUSTER_COUNT (2)"),
        ({"DISCORD_CLUSTER_INDEX": "1"}, "DISCORD_CLUSTER_INDEX must be below"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_CLUSTER_COUNT": "3", "DISCORD_CLUSTER_INDEX": "0"},
         "a process would have no shard"),
        ({"DISCORD_IDENTIFY_INTERVAL": "-1"}, "DISCORD_IDENTIFY_INTERVAL must be"),
        ({"DISCORD_IDENTIFY_INTERVAL": "nan"}, "DISCORD_IDENTIFY_INTERVAL must be"),
    ],
)  # fmt: skip
def test_bad_shard_settings_name_the_variable(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        BotConfig.from_env({**BASE, **env})
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_several_processes_on_sqlite_are_refused_in_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        "DISCORD_TOKEN": "t",
        "VOCU_TOKEN": "k",
        "VOCU_BOT_DATA_DIR": str(tmp_path),
        "DISCORD_SHARD_COUNT": "4",
        "DISCORD_CLUSTER_COUNT": "2",
        "DISCORD_CLUSTER_INDEX": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["run"]) == EXIT_CONFIG
    assert capsys.readouterr().err == (
        "vocu-discord-bot: Several bot processes (DISCORD_CLUSTER_COUNT) need a shared "
        "PostgreSQL database: set DATABASE_URL=postgresql://...\n"
    )


# -- login spacing -------------------------------------------------------------------------------


async def _turns(gates: list, shards: list[int]) -> list[tuple[int, float]]:
    """Every gate asks for every shard's turn at once; (shard, loop time granted) in order."""
    loop = asyncio.get_running_loop()
    granted: list[tuple[int, float]] = []

    async def one(gate, shard: int) -> None:
        await gate.wait_turn(shard)
        granted.append((shard, loop.time()))

    await asyncio.gather(*(one(gate, shard) for gate in gates for shard in shards))
    return granted


def _gaps_per_bucket(granted: list[tuple[int, float]], buckets: int) -> dict[int, list[float]]:
    gaps: dict[int, list[float]] = {}
    for bucket in range(buckets):
        times = sorted(t for shard, t in granted if shard % buckets == bucket)
        gaps[bucket] = [b - a for a, b in itertools.pairwise(times)]
    return gaps


async def test_one_process_spaces_logins_per_bucket_only() -> None:
    gate = LocalIdentifyGate(interval=0.1)
    gate.max_concurrency = 2
    started = asyncio.get_running_loop().time()
    granted = await _turns([gate], [0, 1, 2, 3])
    gaps = _gaps_per_bucket(granted, 2)
    assert all(gap >= 0.1 + IDENTIFY_MARGIN - 0.01 for gap in gaps[0] + gaps[1])
    # Shards 0 and 1 are in different buckets: neither waits for the other.
    firsts = {shard: t - started for shard, t in granted if shard in (0, 1)}
    assert max(firsts.values()) < 0.1 + IDENTIFY_MARGIN


@pytest.mark.parametrize("max_concurrency", [1, 2])
async def test_processes_on_one_postgres_space_logins_per_bucket(
    postgres_dsn: str, socket_enabled: None, max_concurrency: int
) -> None:
    from vocu_discord.migrations import migrate_database  # noqa: PLC0415

    await migrate_database(postgres_dsn)
    # Two processes' gates: each its own connections; only the database is shared.
    gates = [PostgresIdentifyGate(postgres_dsn, interval=0.1) for _ in range(2)]
    for gate in gates:
        gate.max_concurrency = max_concurrency
    granted = await _turns(gates, [0, 1])  # both processes want shards 0 and 1 now
    assert len(granted) == 4
    gaps = _gaps_per_bucket(granted, max_concurrency)
    assert all(gap >= 0.1 + IDENTIFY_MARGIN - 0.05 for bucket in gaps.values() for gap in bucket)
    if max_concurrency == 2:  # two buckets run side by side: the 4 turns take 2 windows, not 4
        span = max(t for _, t in granted) - min(t for _, t in granted)
        assert span < 3 * (0.1 + IDENTIFY_MARGIN)


# -- each process its own guilds ---------------------------------------------------------------


async def test_rejoin_leaves_other_shards_saved_channels_alone(world: World) -> None:
    settings = world.services.settings
    world.bot.shard_count = 4  # this process runs shards 0 and 2 of 4
    world.bot.shard_ids = [0, 2]
    assert (world.guild.id >> 22) % 4 == 0
    other_process = guild_on_shard(1)
    gone_from_shard_2 = guild_on_shard(2)
    await settings.update_guild(world.guild.id, voice_channel_id=world.voice.id)
    await settings.update_guild(other_process, voice_channel_id=11)
    await settings.update_guild(gone_from_shard_2, voice_channel_id=12)
    visible = {world.guild.id: world.guild}.get  # only this process's guilds are visible

    # Shard 0 ready: its guild is re-joined, shard 2's row waits for shard 2.
    assert await world.cog.rejoin_saved_channels(visible, shard_id=0) == [world.guild.id]
    assert (await settings.get_guild(gone_from_shard_2)).voice_channel_id == 12
    # Shard 2 ready: its guild is gone, so its row is cleared; shard 1 is not ours.
    assert await world.cog.rejoin_saved_channels(visible, shard_id=2) == []
    assert (await settings.get_guild(gone_from_shard_2)).voice_channel_id is None
    assert (await settings.get_guild(other_process)).voice_channel_id == 11
    assert world.cog.manages_guild(other_process) is False
    assert world.cog.manages_guild(gone_from_shard_2) is True
