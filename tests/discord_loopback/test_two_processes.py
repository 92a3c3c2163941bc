"""Issue 14, acceptance: two bot processes split a 4-shard bot over one PostgreSQL.

Both are the shipped `vocu-discord-bot run` in their own OS processes (see bot_process.py),
started at the same moment against the loopback Discord, which closes any login that comes too
soon after another of its identify bucket. Discord's 5 s window is scaled down to 0.5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from loopback_discord import LoopbackDiscord, w
from vocu_discord.settings import open_settings
from vocu_emulator import seed
from vocu_emulator.handle import EmulatorHandle

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
SHARDS = 4
INTERVAL = 0.5  # Discord's 5 s identify window, scaled for the test
START_LIMIT = 90.0  # polling limits, not timing claims
SEEN_WITHIN = 1.0  # the promise for a settings change

# Process A (cluster index 0) runs shards 0 and 2; process B runs 1 and 3 (GUILD_ID is on 3).
GUILDS = {shard: w.guild_on_shard(shard, SHARDS) for shard in (0, 1, 2)} | {3: w.GUILD_ID}
GONE_A = w.guild_on_shard(2, SHARDS, n=2)  # the bot left these while it was offline
GONE_B = w.guild_on_shard(1, SHARDS, n=2)

_AUDIT = (
    "CREATE TABLE test_voice_channel_audit (guild_id BIGINT, voice_channel_id BIGINT);"
    "CREATE FUNCTION test_audit_voice() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN"
    " INSERT INTO test_voice_channel_audit VALUES"
    " (NEW.guild_id, (NEW.data::json->>'voice_channel_id')::bigint); RETURN NULL; END $fn$;"
    "CREATE TRIGGER test_audit_voice AFTER INSERT OR UPDATE ON guild_settings"
    " FOR EACH ROW EXECUTE FUNCTION test_audit_voice();"
)
_DROP_AUDIT = (
    "DROP TRIGGER IF EXISTS test_audit_voice ON guild_settings;"
    "DROP FUNCTION IF EXISTS test_audit_voice(); DROP TABLE IF EXISTS test_voice_channel_audit;"
)


def voice_channel_of(guild_id: int) -> int:
    return w.VOICE_CHANNEL_ID if guild_id == w.GUILD_ID else guild_id + 2


@dataclass
class BotProcess:
    name: str
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def connected_shards(self) -> list[int]:
        found = (re.search(r"Shard ID (\d+) has connected to Gateway", x) for x in self.lines)
        return sorted(int(match[1]) for match in found if match)

    def rejoined_shards(self) -> list[int]:
        found = (re.search(r"saved voice channel\(s\) on shard (\d+)", x) for x in self.lines)
        return sorted(int(match[1]) for match in found if match)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 40)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.reader, 10)


async def _start(
    name: str, index: int, env: dict[str, str], loopback: LoopbackDiscord
) -> BotProcess:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "bot_process.py"), "run",
        env={**env, "DISCORD_CLUSTER_INDEX": str(index)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot = BotProcess(name, process)
    bot.reader = asyncio.create_task(bot.read())
    return bot


async def _until(check, what: str, bots: list[BotProcess], limit: float = START_LIMIT) -> None:
    deadline = time.monotonic() + limit
    while not check():
        for bot in bots:
            if bot.process.returncode is not None:
                pytest.fail(f"{bot.name} exited {bot.process.returncode}:\n" + "\n".join(bot.lines))
        if time.monotonic() > deadline:
            logs = "\n".join(f"[{bot.name}] {line}" for bot in bots for line in bot.lines[-40:])
            pytest.fail(f"not seen within {limit} s: {what}\n{logs}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def database(postgres_dsn: str, socket_enabled: None) -> AsyncIterator[str]:
    """The session's cluster, emptied, with the saved channels of a bot that was restarted."""
    repository = await open_settings(postgres_dsn)  # migrates
    try:
        for table in ("guild_settings", "user_settings", "pronunciations", "char_usage",
                      "gateway_identify", "bot_state"):  # fmt: skip
            await repository._execute(f"DELETE FROM {table}")
        for guild_id in [*GUILDS.values()]:
            await repository.update_guild(
                guild_id, voice_channel_id=voice_channel_of(guild_id), text_channel_id=None
            )
        for guild_id in (GONE_A, GONE_B):
            await repository.update_guild(guild_id, voice_channel_id=guild_id + 2)
    finally:
        await repository.close()
    connection = await asyncpg.connect(postgres_dsn)
    try:
        await connection.execute(_DROP_AUDIT + _AUDIT)
        yield postgres_dsn
    finally:
        await connection.execute(_DROP_AUDIT)
        await connection.close()


def _synthesis(emulator: EmulatorHandle, text: str) -> list[str]:
    bodies = (json.dumps(r.json) for r in emulator.requests if "generate" in r.path)
    return [body for body in bodies if text in body]


@pytest.mark.parametrize("max_concurrency", [1, 2])
async def test_two_processes_share_a_four_shard_bot(
    loopback: LoopbackDiscord,
    vocu_emulator: EmulatorHandle,
    database: str,
    tmp_path: Path,
    max_concurrency: int,
) -> None:
    gateway = loopback.gateway
    gateway.identify_interval = INTERVAL
    gateway.max_concurrency = max_concurrency
    for shard, guild_id in GUILDS.items():
        if guild_id != w.GUILD_ID:
            loopback.world.add_guild(guild_id)
        assert w.shard_of(guild_id, SHARDS) == shard
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": w.BOT_TOKEN,
        "VOCU_TOKEN": seed.PAID_TOKEN,
        "VOCU_BASE_URL": vocu_emulator.base_url,
        "VOCU_DEFAULT_VOICE": seed.ALICE_ID,
        "VOCU_BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_OWNER_IDS": "1",
        "DATABASE_URL": database,
        "DISCORD_SHARD_COUNT": str(SHARDS),
        "DISCORD_CLUSTER_COUNT": "2",
        "DISCORD_IDENTIFY_INTERVAL": str(INTERVAL),
        "LOOPBACK_DISCORD_API": f"{loopback.base_url}/api/v10",
        "LOOPBACK_DISCORD_GATEWAY": gateway.url,
        "SSL_CERT_FILE": str(loopback.certs.ca_file),
    }
    bots = [await _start(name, index, env, loopback) for index, name in enumerate("AB")]
    process_a, process_b = bots
    try:
        await _until(
            lambda: process_a.rejoined_shards() == [0, 2] and process_b.rejoined_shards() == [1, 3],
            "both processes ready and re-joined shard by shard",
            bots,
        )

        # Each process identified only its own shards, each shard exactly once, none refused.
        assert process_a.connected_shards() == [0, 2]
        assert process_b.connected_shards() == [1, 3]
        assert [r.accepted for r in gateway.identifies] == [True] * SHARDS
        assert gateway.identified_shards() == [0, 1, 2, 3]
        # One command tree per application: uploaded by process 0 alone (both starting on a
        # fresh database used to upload it, whenever B compared hashes before A stored one).
        assert [scope for scope, _ in loopback.rest.command_uploads] == ["global"]
        assert any("uploaded by cluster process 0" in line for line in process_b.lines)
        assert not any("uploaded by cluster process 0" in line for line in process_a.lines)
        # Logins of one bucket at least Discord's window apart, across the two processes.
        for bucket in range(max_concurrency):
            times = [r.at for r in gateway.identifies if r.shard_id % max_concurrency == bucket]
            assert all(b - a >= INTERVAL for a, b in itertools.pairwise(times))

        # Neither wiped the other's saved channels: no live guild's row was ever cleared, and
        # each process cleared the row of its own guild that is gone.
        async with contextlib.aclosing(_audit(database)) as audit:
            cleared = {guild for guild, channel in [row async for row in audit] if channel is None}
        assert cleared == {GONE_A, GONE_B}
        repository = await open_settings(database)
        try:
            for guild_id in GUILDS.values():
                saved = await repository.get_guild(guild_id)
                assert saved.voice_channel_id == voice_channel_of(guild_id)
        finally:
            await repository.close()

        if max_concurrency == 1:
            await _settings_change_crosses_processes(loopback, vocu_emulator, bots)
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))


async def _audit(database: str) -> AsyncIterator[tuple[int, int | None]]:
    connection = await asyncpg.connect(database)
    try:
        for row in await connection.fetch("SELECT * FROM test_voice_channel_audit"):
            yield int(row[0]), row[1]
    finally:
        await connection.close()


async def _settings_change_crosses_processes(
    loopback: LoopbackDiscord, emulator: EmulatorHandle, bots: list[BotProcess]
) -> None:
    """B (GUILD_ID's shard) caches a member's voice; `/tts forget` through A must reach it."""
    guild_of_a = GUILDS[0]
    chose = await loopback.slash("tts voice set", voice=seed.BOB_ID)
    assert "Bob" in await chose.wait_for_text(20)
    await loopback.slash("tts say", text="first words from bob")
    await _until(lambda: _synthesis(emulator, "first words"), "B speaks the first words", bots)
    assert seed.BOB_ID in _synthesis(emulator, "first words")[0]

    forgot = await loopback.slash("tts forget", guild_id=guild_of_a)  # answered by A
    assert "Deleted your stored settings (1 server(s))" in await forgot.wait_for_text(20)
    await asyncio.sleep(SEEN_WITHIN)
    await loopback.slash("tts say", text="second words after forget")
    await _until(lambda: _synthesis(emulator, "second words"), "B speaks the second words", bots)
    spoken = _synthesis(emulator, "second words")[0]
    assert seed.BOB_ID not in spoken  # B no longer holds the forgotten choice
    assert seed.ALICE_ID in spoken
