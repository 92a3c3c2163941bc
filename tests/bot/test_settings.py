"""The settings repository: one suite, run against a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from vocu_discord.settings import (
    GuildSettings,
    SettingsRepository,
    UserSettings,
    open_settings,
)
from vocu_discord.settings_postgres import PostgresSettings, to_numbered_placeholders
from vocu_discord.settings_sqlite import sqlite_path

DAY = date(2026, 3, 1)


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


async def test_delete_user_data_forgets_settings_but_keeps_todays_usage(
    repository: SettingsRepository,
) -> None:
    await repository.update_user(1, 7, nickname="Al")
    await repository.update_user(2, 7, nickname="Al")
    await repository.update_user(1, 8, nickname="Other")
    await repository.add_usage(1, 7, DAY, 100)
    await repository.add_usage(1, 7, date(2026, 2, 27), 100)
    await repository.add_usage(1, 8, DAY, 10)

    assert await repository.delete_user_data(7, DAY) == 2

    assert await repository.get_user(1, 7) == UserSettings(1, 7)
    assert (await repository.get_user(1, 8)).nickname == "Other"
    usage = await repository.usage(1, 7, DAY)
    assert (usage.guild_chars, usage.user_chars) == (110, 100)  # today's count stays
    rows = await repository._fetch("SELECT user_id, day FROM char_usage ORDER BY user_id")
    assert [(int(r[0]), r[1]) for r in rows] == [(7, "2026-03-01"), (8, "2026-03-01")]


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
    """A write whose invalidation never arrives (a lost notification on PostgreSQL)."""
    data = GuildSettings(guild_id, max_chars=42).to_json()
    if isinstance(repository, PostgresSettings):
        async with repository._pool.acquire() as connection:
            # Replica mode skips the notify triggers: the change is made, nobody is told.
            await connection.execute("SET session_replication_role = replica")
            try:
                await connection.execute(
                    "UPDATE guild_settings SET data = $1 WHERE guild_id = $2", data, guild_id
                )
            finally:
                await connection.execute("RESET session_replication_role")
    else:
        await repository._execute(
            "UPDATE guild_settings SET data = ? WHERE guild_id = ?", data, guild_id
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

    await repository.delete_user_data(2, DAY)
    assert (await repository.get_user(1, 2)).voice_id is None


async def test_the_cached_dictionary_cannot_be_changed_by_a_caller(
    repository: SettingsRepository,
) -> None:
    await repository.set_pronunciation(3, "sql", "sequel")
    words = await repository.pronunciations(3)
    words["sql"] = "S Q L"
    assert await repository.pronunciations(3) == {"sql": "sequel"}
