"""Settings shared by several bot processes on one PostgreSQL: what one changes, the others see."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from vocu_discord.settings import SettingsRepository, UserSettings, open_settings
from vocu_discord.settings_cache import SettingsCache
from vocu_discord.settings_postgres import PostgresSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 1)
# Polling limit, not a timing claim: a notification normally arrives in milliseconds.
SEEN_WITHIN = 20.0


class FrozenClock:
    def __call__(self) -> float:
        return 1000.0


async def eventually(check: Callable[[], Awaitable[bool]], limit: float = SEEN_WITHIN) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        assert time.monotonic() < deadline, "not seen before the polling limit"
        await asyncio.sleep(0.05)


@pytest.fixture
async def reader(postgres_dsn: str, socket_enabled: None) -> AsyncIterator[PostgresSettings]:
    """One bot process's repository; its cache never expires, so only invalidation can help."""
    repository = await open_settings(postgres_dsn)
    assert isinstance(repository, PostgresSettings)
    for table in ("guild_settings", "user_settings", "pronunciations", "char_usage"):
        await repository._execute(f"DELETE FROM {table}")
    repository.cache.clock = FrozenClock()
    repository.cache.clear()
    try:
        yield repository
    finally:
        await repository.close()


def _run_in_another_process(postgres_dsn: str, body: str) -> None:
    """Run ``body`` (awaiting on ``repo``) in a separate bot-like OS process."""
    script = (
        "import asyncio\n"
        "from datetime import date\n"
        "from vocu_discord.settings import open_settings\n"
        "async def go():\n"
        f"    repo = await open_settings({postgres_dsn!r})\n"
        "    try:\n" + "".join(f"        {line}\n" for line in body.splitlines()) + "    finally:\n"
        "        await repo.close()\n"
        "asyncio.run(go())\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, check=True, timeout=120, env=os.environ
    )


async def test_a_change_made_in_another_process_is_seen(
    reader: PostgresSettings, postgres_dsn: str
) -> None:
    assert (await reader.get_guild(7)).max_chars == 300  # cached, and the cache never expires
    assert (await reader.get_user(7, 8)).voice_id is None
    assert await reader.pronunciations(7) == {}
    await asyncio.to_thread(
        _run_in_another_process,
        postgres_dsn,
        "await repo.update_guild(7, max_chars=42)\n"
        "await repo.update_user(7, 8, voice_id='voice-b')\n"
        "await repo.set_pronunciation(7, 'gif', 'jif')",
    )

    async def seen() -> bool:
        return (
            (await reader.get_guild(7)).max_chars == 42
            and (await reader.get_user(7, 8)).voice_id == "voice-b"
            and await reader.pronunciations(7) == {"gif": "jif"}
        )

    await eventually(seen)

    # `forget` in one process clears what the others cached about the member.
    await asyncio.to_thread(
        _run_in_another_process, postgres_dsn, "await repo.delete_user_data(8, date(2026, 3, 1))"
    )

    async def forgotten() -> bool:
        return await reader.get_user(7, 8) == UserSettings(7, 8)

    await eventually(forgotten)


async def test_a_dropped_listener_flushes_the_cache_and_listens_again(
    reader: PostgresSettings, postgres_dsn: str
) -> None:
    reader.listener_retry_seconds = 0.2
    assert (await reader.get_guild(7)).max_chars == 300
    admin = await asyncpg.connect(postgres_dsn)
    try:
        # A change whose notification is lost (replica mode skips the triggers), as any change
        # made while the listener is disconnected would be: the cache still serves the old row.
        await admin.execute("SET session_replication_role = replica")
        await admin.execute(
            "INSERT INTO guild_settings (guild_id, data) VALUES (7, '{\"max_chars\": 42}')"
        )
        await admin.execute("RESET session_replication_role")
        assert (await reader.get_guild(7)).max_chars == 300

        old_pid = reader.listener_pid
        assert old_pid is not None
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", old_pid)

        async def flushed() -> bool:
            return (await reader.get_guild(7)).max_chars == 42

        await eventually(flushed)

        async def listening_again() -> bool:
            return reader.listener_pid not in (None, old_pid)

        await eventually(listening_again)
        assert (await reader.get_guild(7)).max_chars == 42  # cached again
        await admin.execute("UPDATE guild_settings SET data = '{\"max_chars\": 43}'")

        async def notified() -> bool:
            return (await reader.get_guild(7)).max_chars == 43

        await eventually(notified)
    finally:
        await admin.close()


async def test_update_does_not_write_back_a_stale_cached_row(
    repository: SettingsRepository, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        request.getfixturevalue("postgres_dsn")
        if isinstance(repository, PostgresSettings)
        else f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    )
    other = await open_settings(url)
    try:
        repository.cache.clock = FrozenClock()
        # Invalidation may still be on its way: turn it off to show the update does not need it.
        repository.cache.drop = lambda key: None  # type: ignore[method-assign]
        repository.cache.drop_where = lambda predicate: None  # type: ignore[method-assign]
        repository.cache.clear = lambda: None  # type: ignore[method-assign]
        assert (await repository.get_user(1, 7)).nickname is None  # cached
        assert (await repository.get_guild(1)).max_chars == 300
        await other.update_user(1, 7, nickname="Al")
        await other.update_guild(1, max_chars=42)

        updated = await repository.update_user(1, 7, voice_id="v")
        assert (updated.nickname, updated.voice_id) == ("Al", "v")
        assert (await other.get_user(1, 7)).nickname == "Al"
        assert (await repository.update_guild(1, auto_join=True)).max_chars == 42
    finally:
        await other.close()


async def test_simultaneous_updates_of_different_fields_keep_both(
    repository: SettingsRepository, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        request.getfixturevalue("postgres_dsn")
        if isinstance(repository, PostgresSettings)
        else f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    )
    other = await open_settings(url)
    try:
        await asyncio.gather(
            *(repository.update_user(1, 7, nickname=f"n{n}") for n in range(6)),
            *(other.update_user(1, 7, speed=1.0 + n / 10) for n in range(6)),
            *(other.update_guild(2, max_chars=100 + n) for n in range(6)),
            *(repository.update_guild(2, auto_join=True) for _ in range(6)),
        )
        fresh = await open_settings(url)
        try:
            user, guild = await fresh.get_user(1, 7), await fresh.get_guild(2)
        finally:
            await fresh.close()
        assert user.nickname is not None and user.speed is not None
        assert guild.auto_join and guild.max_chars >= 100
    finally:
        await other.close()


async def test_budgets_stay_atomic_across_two_processes(
    reader: PostgresSettings, postgres_dsn: str
) -> None:
    # Two OS processes reserve 10 characters at a time, 8 times each, against a 40-character
    # guild cap: exactly four reservations pass between them.
    body = (
        "from vocu_discord.settings import UsageCaps\n"
        "caps = UsageCaps(guild=40)\n"
        "results = await asyncio.gather(*(repo.reserve_usage(1, 100 + n, date(2026, 3, 1), 10,"
        " caps) for n in range(8)))\n"
        "print(sum(results))"
    )
    runs = [
        asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-c",
                "import asyncio\n"
                "from datetime import date\n"
                "from vocu_discord.settings import open_settings\n"
                "async def go():\n"
                f"    repo = await open_settings({postgres_dsn!r})\n"
                + "".join(f"    {line}\n" for line in body.splitlines())
                + "    await repo.close()\n"
                "asyncio.run(go())\n",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for _ in range(2)
    ]
    finished = await asyncio.gather(*runs)
    assert [run.returncode for run in finished] == [0, 0], [run.stderr for run in finished]
    assert sum(int(run.stdout) for run in finished) == 4
    assert (await reader.usage(1, 100, DAY)).guild_chars == 40


def test_a_read_that_raced_an_invalidation_is_not_cached() -> None:
    cache = SettingsCache()
    generation = cache.generation  # a read starts...
    cache.drop(("guild", 1))  # ...another process's change arrives before it finishes
    cache.put(("guild", 1), "old row", generation)
    assert cache.get(("guild", 1)) is None
    cache.put(("guild", 1), "new row", cache.generation)
    assert cache.get(("guild", 1)) == "new row"


def test_the_cache_is_bounded() -> None:
    cache = SettingsCache(max_entries=3)
    for n in range(10):
        cache.put(("user", 1, n), n)
    assert len(cache) == 3
    assert cache.get(("user", 1, 9)) == 9 and cache.get(("user", 1, 0)) is None
