"""The settings repository: one suite, run against a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from vocu_discord.settings import (
    GuildSettings,
    SettingsRepository,
    UserSettings,
    open_settings,
)
from vocu_discord.settings_postgres import to_numbered_placeholders
from vocu_discord.settings_sqlite import sqlite_path

DAY = date(2026, 3, 1)


def _postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _install_postgres() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "postgresql"], check=True, env=env, capture_output=True
    )


def _random_port() -> int:
    # No probe socket: the test harness blocks sockets in session fixtures. A port that turns out
    # to be taken makes pg_ctl fail to start, and the fixture tries another one.
    return random.randint(20000, 60000)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (installed with apt when running as root)."""
    is_root = os.geteuid() == 0
    binaries = _postgres_binaries()
    if binaries is None and is_root:
        _install_postgres()
        binaries = _postgres_binaries()
    if binaries is None:
        reason = (
            "POSTGRESQL LEG SKIPPED: no /usr/lib/postgresql/*/bin/pg_ctl and not root, so it "
            "cannot be installed; run as root or `apt-get install postgresql` to test it"
        )
        print(f"\n{'!' * 20} {reason} {'!' * 20}", file=sys.stderr)
        pytest.skip(reason)
    # initdb refuses to run as root: run the cluster as the `postgres` OS user instead.
    run_as: list[str] = []
    if is_root:
        runuser = shutil.which("runuser")
        run_as = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
    # Not under pytest's 0700 temp root: the `postgres` user must be able to reach the directory.
    base = Path(tempfile.mkdtemp(prefix="vocu-test-pg-"))
    data = base / "data"
    if is_root:
        shutil.chown(base, "postgres")

    def run(*command: str) -> None:
        args = [*run_as, *command] if run_as[:1] != ["su"] else [*run_as, " ".join(command)]
        subprocess.run(args, check=True, capture_output=True, cwd=base)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
    for attempt in range(5):
        port = _random_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        try:
            run(
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(base / "log"),
                "start",
            )
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
    try:
        run(
            str(binaries / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "vocu_test",
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/vocu_test"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
async def repository(
    request: pytest.FixtureRequest, tmp_path: Path, socket_enabled: None
) -> AsyncIterator[SettingsRepository]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_dsn")
    repo = await open_settings(url)
    try:
        if request.param == "postgres":  # the session cluster is shared: start every test empty
            for table in ("guild_settings", "user_settings", "pronunciations", "char_usage"):
                await repo._execute(f"DELETE FROM {table}")
        yield repo
    finally:
        await repo.close()


async def test_unknown_guild_has_defaults(repository: SettingsRepository) -> None:
    assert await repository.get_guild(1) == GuildSettings(guild_id=1)


async def test_guild_settings_round_trip(repository: SettingsRepository) -> None:
    settings = GuildSettings(
        guild_id=2**62,  # snowflakes need 64-bit columns
        autoread_channel_ids=(10, 20),
        auto_join=True,
        default_voice_id="voice-1",
        max_chars=120,
        required_role_id=2**60,
        cooldown_seconds=2.5,
        guild_daily_chars=5000,
        overflow="refuse",
        voice_channel_id=99,
    )
    await repository.save_guild(settings)
    assert await repository.get_guild(2**62) == settings
    updated = await repository.update_guild(2**62, max_chars=80)
    assert updated.max_chars == 80
    assert (await repository.get_guild(2**62)).autoread_channel_ids == (10, 20)


async def test_saved_voice_channels_are_listed_for_rejoin(repository: SettingsRepository) -> None:
    await repository.update_guild(1, voice_channel_id=11)
    await repository.update_guild(2, auto_join=True)
    await repository.update_guild(3, voice_channel_id=33)
    rejoin = await repository.guilds_with_voice_channel()
    assert sorted((g.guild_id, g.voice_channel_id) for g in rejoin) == [(1, 11), (3, 33)]


async def test_user_settings_round_trip_and_defaults_not_stored(
    repository: SettingsRepository,
) -> None:
    assert await repository.get_user(1, 7) == UserSettings(1, 7)
    await repository.update_user(1, 7, voice_id="v", style_id="s", speed=1.25, nickname="Al")
    assert await repository.get_user(1, 7) == UserSettings(1, 7, "v", "s", 1.25, "Al")
    assert await repository.get_user(2, 7) == UserSettings(2, 7)  # per guild
    await repository.save_user(UserSettings(1, 7))  # reset → the row goes away
    assert await repository._fetch("SELECT * FROM user_settings") == []


async def test_delete_user_data_forgets_settings_but_keeps_guild_usage(
    repository: SettingsRepository,
) -> None:
    await repository.update_user(1, 7, nickname="Al")
    await repository.update_user(2, 7, autoread_opt_out=True)
    await repository.update_user(1, 8, nickname="Other")
    await repository.add_usage(1, 7, DAY, 100)
    await repository.add_usage(1, 0, DAY, 5)
    await repository.add_usage(1, 8, DAY, 10)

    assert await repository.delete_user_data(7) == 2

    assert await repository.get_user(1, 7) == UserSettings(1, 7)
    assert (await repository.get_user(1, 8)).nickname == "Other"
    usage = await repository.usage(1, 7, DAY)
    assert (usage.guild_chars, usage.user_chars) == (115, 0)
    rows = await repository._fetch("SELECT user_id FROM char_usage")
    assert sorted(int(row[0]) for row in rows) == [0, 8]


async def test_pronunciations(repository: SettingsRepository) -> None:
    await repository.set_pronunciation(1, " GIF ", "jif")
    await repository.set_pronunciation(1, "sql", "sequel")
    await repository.set_pronunciation(1, "gif", "gif with a g")  # replaces
    await repository.set_pronunciation(2, "other", "guild")
    assert await repository.pronunciations(1) == {"gif": "gif with a g", "sql": "sequel"}
    assert await repository.remove_pronunciation(1, "Gif") is True
    assert await repository.remove_pronunciation(1, "gif") is False
    assert await repository.pronunciations(1) == {"sql": "sequel"}


async def test_usage_accumulates_per_day_and_user(repository: SettingsRepository) -> None:
    await repository.add_usage(1, 7, DAY, 40)
    await repository.add_usage(1, 7, DAY, 2)
    await repository.add_usage(1, 8, DAY, 10)
    await repository.add_usage(1, 7, date(2026, 3, 2), 1000)
    await repository.add_usage(2, 7, DAY, 1000)
    await repository.add_usage(1, 8, DAY, -3)  # reconciliation can subtract
    usage = await repository.usage(1, 7, DAY)
    assert (usage.guild_chars, usage.user_chars) == (49, 42)


async def test_settings_survive_reopening_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'persist.sqlite3'}"
    first = await open_settings(url)
    await first.update_guild(5, voice_channel_id=55)
    await first.close()
    second = await open_settings(url)
    try:
        assert (await second.get_guild(5)).voice_channel_id == 55
    finally:
        await second.close()


async def test_bad_database_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL must start with"):
        await open_settings("mysql://x")


def test_url_helpers() -> None:
    assert sqlite_path("sqlite:///bot.db") == "bot.db"
    assert sqlite_path("sqlite:////var/lib/bot.db") == "/var/lib/bot.db"
    assert to_numbered_placeholders("a = ? AND b = ?") == "a = $1 AND b = $2"


def test_unknown_json_keys_from_a_newer_version_are_ignored() -> None:
    settings = GuildSettings.from_json(1, '{"max_chars": 9, "future_field": true}')
    assert settings == GuildSettings(guild_id=1, max_chars=9)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _write_behind_the_cache(repository: SettingsRepository, guild_id: int) -> None:
    """What a second bot process sharing the database would do."""
    await repository._execute(
        "UPDATE guild_settings SET data = ? WHERE guild_id = ?",
        GuildSettings(guild_id, max_chars=42).to_json(),
        guild_id,
    )


async def test_cached_settings_hide_other_writers_only_until_the_ttl(
    repository: SettingsRepository,
) -> None:
    clock = FakeClock()
    repository.cache.clock = clock
    await repository.update_guild(7, max_chars=120)
    assert (await repository.get_guild(7)).max_chars == 120

    await _write_behind_the_cache(repository, 7)
    assert (await repository.get_guild(7)).max_chars == 120  # served from the cache

    clock.now += repository.cache.ttl
    assert (await repository.get_guild(7)).max_chars == 42  # read again after the TTL


async def test_writes_through_the_repository_are_seen_at_once(
    repository: SettingsRepository,
) -> None:
    repository.cache.clock = FakeClock()  # frozen: only invalidation can show new values
    assert (await repository.get_user(1, 2)).voice_id is None
    await repository.update_user(1, 2, voice_id="voice-a")
    assert (await repository.get_user(1, 2)).voice_id == "voice-a"

    assert await repository.pronunciations(1) == {}
    await repository.set_pronunciation(1, "GIF", "jif")
    assert await repository.pronunciations(1) == {"gif": "jif"}
    await repository.remove_pronunciation(1, "gif")
    assert await repository.pronunciations(1) == {}

    await repository.delete_user_data(2)
    assert (await repository.get_user(1, 2)).voice_id is None


async def test_the_cached_dictionary_cannot_be_changed_by_a_caller(
    repository: SettingsRepository,
) -> None:
    await repository.set_pronunciation(3, "sql", "sequel")
    words = await repository.pronunciations(3)
    words["sql"] = "S Q L"
    assert await repository.pronunciations(3) == {"sql": "sequel"}
