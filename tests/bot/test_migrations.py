"""The schema as migrations: created once, upgraded in order, safe when processes start together."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import aiosqlite
import asyncpg
import pytest
from vocu_discord import settings_sqlite
from vocu_discord.__main__ import main
from vocu_discord.bot import open_services
from vocu_discord.config import BotConfig
from vocu_discord.migrations import (
    LATEST_VERSION,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
    migrate_database,
)
from vocu_discord.settings import open_settings
from vocu_discord.startup import StartupError

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, socket_enabled: None
) -> AsyncIterator[str]:
    """A database nobody has opened yet: a new SQLite file, or a new database in the cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    name = f"vocu_fresh_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield dsn.rsplit("/", 1)[0] + f"/{name}"
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _cli_migrate(database_url: str) -> subprocess.Popen[str]:
    """`vocu-discord-bot migrate` as its own OS process."""
    return subprocess.Popen(
        [sys.executable, "-m", "vocu_discord", "migrate"],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_migrate_creates_the_schema_once_and_is_idempotent(empty_database_url: str) -> None:
    first = await migrate_database(empty_database_url)
    assert first == f"the database schema was upgraded from version 0 to {LATEST_VERSION}"
    assert await migrate_database(empty_database_url) == (
        f"the database schema is up to date (version {LATEST_VERSION})"
    )
    repository = await open_settings(empty_database_url, migrate=False)
    try:
        await repository.update_guild(1, max_chars=9)
        assert (await repository.get_guild(1)).max_chars == 9
        versions = await repository._fetch("SELECT version FROM vocu_schema_migrations")
        assert sorted(int(row[0]) for row in versions) == list(range(1, LATEST_VERSION + 1))
    finally:
        await repository.close()


async def test_eight_simultaneous_startups_on_an_empty_database_all_succeed(
    empty_database_url: str,
) -> None:
    # Before migrations, 7 of 8 simultaneous start-ups on an empty PostgreSQL failed with
    # UniqueViolationError on pg_type_typname_nsp_index (CREATE TABLE IF NOT EXISTS races).
    # Four `migrate` OS processes and four `run`-style opens, all at once.
    processes = [_cli_migrate(empty_database_url) for _ in range(4)]
    opened = await asyncio.gather(
        *(open_settings(empty_database_url) for _ in range(4)), return_exceptions=True
    )
    outcomes = [await asyncio.to_thread(process.communicate, timeout=120) for process in processes]
    try:
        assert [error for error in opened if isinstance(error, BaseException)] == []
        assert [(p.returncode, err) for p, (_, err) in zip(processes, outcomes, strict=True)] == [
            (0, "")
        ] * 4
        upgraded = [out for out, _ in outcomes if "upgraded from version 0" in out]
        # Exactly one of the eight created the schema, whichever won the lock.
        assert len(upgraded) <= 1
        repository = opened[0]
        assert not isinstance(repository, BaseException)
        await repository.update_user(1, 2, nickname="Al")
        assert (await repository.get_user(1, 2)).nickname == "Al"
    finally:
        for repository in opened:
            if not isinstance(repository, BaseException):
                await repository.close()


async def test_no_migrate_refuses_an_old_schema_in_one_line(empty_database_url: str) -> None:
    with pytest.raises(SchemaOutdatedError) as refused:
        await open_settings(empty_database_url, migrate=False)
    message = str(refused.value)
    assert "\n" not in message
    assert f"version 0, this bot needs {LATEST_VERSION}" in message
    assert "vocu-discord-bot migrate" in message
    # Refusing changed nothing: the database is still empty.
    with pytest.raises(SchemaOutdatedError):
        await open_settings(empty_database_url, migrate=False)


async def test_a_schema_newer_than_the_bot_is_always_refused(empty_database_url: str) -> None:
    await migrate_database(empty_database_url)
    repository = await open_settings(empty_database_url)
    try:
        await repository._execute(
            "INSERT INTO vocu_schema_migrations (version, description) VALUES (?, 'future')",
            LATEST_VERSION + 1,
        )
    finally:
        await repository.close()
    for migrate in (True, False):
        with pytest.raises(SchemaTooNewError, match="newer than this bot's"):
            await open_settings(empty_database_url, migrate=migrate)
    with pytest.raises(SchemaTooNewError):
        await migrate_database(empty_database_url)


async def test_a_database_from_before_migrations_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path) as old:  # what the bot created before versioning
        await old.execute(
            "CREATE TABLE guild_settings (guild_id BIGINT PRIMARY KEY, data TEXT NOT NULL)"
        )
        await old.execute("INSERT INTO guild_settings VALUES (5, '{\"max_chars\": 77}')")
        await old.commit()
    repository = await open_settings(f"sqlite:///{path}")
    try:
        assert (await repository.get_guild(5)).max_chars == 77
        await repository.add_usage(5, 1, date(2026, 3, 1), 3)
    finally:
        await repository.close()


def _bot_holding(url: str) -> subprocess.Popen[str]:
    """A running bot: another OS process holding the SQLite file until a line on stdin."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys\n"
            "from vocu_discord.settings import open_settings\n"
            "async def hold():\n"
            f"    repo = await open_settings({url!r}, sole_process=True)\n"
            "    print('ready', flush=True)\n"
            "    await asyncio.to_thread(sys.stdin.readline)\n"
            "    await repo.close()\n"
            "asyncio.run(hold())\n",
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_a_second_bot_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    holder = _bot_holding(url)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert await asyncio.to_thread(holder.stdout.readline) == "ready\n"
        with pytest.raises(SchemaError) as refused:
            await open_settings(url, sole_process=True)
        assert "\n" not in str(refused.value)
        assert "another bot process already uses the SQLite database" in str(refused.value)
        assert "PostgreSQL" in str(refused.value)
        # `migrate` and tools are no bot: they may still open the file.
        assert "up to date" in await migrate_database(url)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert await asyncio.to_thread(holder.wait, 60) == 0
    finally:
        holder.kill()
    again = await open_settings(url, sole_process=True)  # the lock went with the process
    await again.close()


async def test_run_no_migrate_refuses_an_old_schema_and_a_second_bot_in_one_line(
    tmp_path: Path,
) -> None:
    config = BotConfig(
        discord_token="x",  # never sent anywhere
        api_key="y",
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        migrate_schema=False,
    )
    with pytest.raises(StartupError) as refused:  # `run --no-migrate`
        await open_services(config)
    assert refused.value.exit_code == 5
    assert str(refused.value) == str(SchemaOutdatedError(0))
    running = await open_services(dataclasses.replace(config, migrate_schema=True))  # `run`
    try:
        with pytest.raises(StartupError, match="another bot process already uses"):
            await open_services(config)  # a second `run` on the same file
        checking = await open_services(config, sole_process=False)  # `check` beside it is fine
        await checking.aclose()
    finally:
        await running.aclose()


def test_cli_migrate_reports_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)  # migrate needs the database only
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == (
        f"vocu-discord-bot: the database schema was upgraded from version 0 to {LATEST_VERSION}\n"
    )
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    assert main(["migrate"]) == 5
    assert capsys.readouterr().err.count("\n") == 1


async def test_a_database_locked_by_another_program_fails_cleanly_and_leaves_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A failed open once left aiosqlite's worker thread running; it is no daemon, so the bot
    # (and the test run) could never exit.
    path = tmp_path / "held.sqlite3"
    other_program = sqlite3.connect(path, isolation_level=None)
    try:
        other_program.execute("BEGIN EXCLUSIVE")
        other_program.execute("CREATE TABLE held (x INTEGER)")
        monkeypatch.setattr(settings_sqlite, "_BUSY_TIMEOUT_SECONDS", 0.3)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await open_settings(f"sqlite:///{path}", sole_process=True)
    finally:
        other_program.close()
    workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
    assert workers == []
    again = await open_settings(f"sqlite:///{path}", sole_process=True)  # nothing left held
    await again.close()
