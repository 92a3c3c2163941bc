"""Daily character budgets: limits, UTC-midnight reset, reconciliation with credit_used.

Every test runs on a real SQLite file and a real PostgreSQL (the `repository` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from vocu_discord.budget import BudgetExhaustedError, CharacterBudget
from vocu_discord.settings import GuildSettings, SettingsRepository, UserSettings, open_settings


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


GUILD = GuildSettings(guild_id=1, guild_daily_chars=100, user_daily_chars=60)


async def test_user_limit_refuses_without_counting(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository, Clock(datetime(2026, 3, 1, 12, tzinfo=UTC)))
    await budget.reserve(GUILD, 7, 50)
    with pytest.raises(BudgetExhaustedError) as refused:
        await budget.reserve(GUILD, 7, 11)
    assert (refused.value.scope, refused.value.used, refused.value.limit) == ("user", 50, 60)
    assert "midnight UTC" in str(refused.value)
    await budget.reserve(GUILD, 7, 10)  # exactly up to the limit is fine
    assert await budget.remaining(GUILD, 7) == (40, 0)


async def test_guild_limit_is_shared_by_users(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository, Clock(datetime(2026, 3, 1, 12, tzinfo=UTC)))
    await budget.reserve(GUILD, 7, 60)
    await budget.reserve(GUILD, 8, 40)
    with pytest.raises(BudgetExhaustedError) as refused:
        await budget.reserve(GUILD, 9, 1)
    assert refused.value.scope == "guild"


async def test_unlimited_when_no_budget_set(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository)
    for _ in range(3):
        await budget.reserve(GuildSettings(guild_id=2), 7, 10_000)
    assert await budget.remaining(GuildSettings(guild_id=2), 7) == (None, None)


async def test_resets_at_utc_midnight_not_local_midnight(repository: SettingsRepository) -> None:
    # 23:30 in UTC+02:00 is already 21:30 UTC the same day; 01:30 UTC+02:00 next day is still
    # 23:30 UTC the first day, so the budget must not reset yet.
    plus_two = timezone(timedelta(hours=2))
    clock = Clock(datetime(2026, 3, 1, 23, 30, tzinfo=plus_two))
    budget = CharacterBudget(repository, clock)
    await budget.reserve(GUILD, 7, 60)
    clock.now = datetime(2026, 3, 2, 1, 30, tzinfo=plus_two)
    with pytest.raises(BudgetExhaustedError):
        await budget.reserve(GUILD, 7, 1)
    clock.now = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    await budget.reserve(GUILD, 7, 60)
    assert await budget.remaining(GUILD, 7) == (40, 0)


async def test_reconcile_books_what_the_service_billed(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository, Clock(datetime(2026, 3, 1, 12, tzinfo=UTC)))
    reservation = await budget.reserve(GUILD, 7, 40)
    assert await budget.reconcile(reservation, 30.2) == -9  # billed 31 (rounded up)
    assert await budget.remaining(GUILD, 7) == (69, 29)
    reservation = await budget.reserve(GUILD, 7, 10)
    assert await budget.reconcile(reservation, 25) == 15
    assert await budget.remaining(GUILD, 7) == (44, 4)
    assert await budget.reconcile(reservation, None) == 0  # nothing reported: keep the estimate


async def test_reconcile_after_midnight_books_on_the_reserved_day(
    repository: SettingsRepository,
) -> None:
    clock = Clock(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC))
    budget = CharacterBudget(repository, clock)
    reservation = await budget.reserve(GUILD, 7, 50)
    clock.now = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)
    await budget.reconcile(reservation, 55)
    assert await budget.remaining(GUILD, 7) == (100, 60)  # the new day is untouched
    clock.now = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    assert await budget.remaining(GUILD, 7) == (45, 5)


async def test_refund_returns_the_characters(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository, Clock(datetime(2026, 3, 1, 12, tzinfo=UTC)))
    reservation = await budget.reserve(GUILD, 7, 60)
    await budget.refund(reservation)
    await budget.reserve(GUILD, 7, 60)


NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


async def test_simultaneous_reservations_never_pass_a_cap_together(
    repository: SettingsRepository,
) -> None:
    # Read-then-write let all of these through (24 of 20 reserved); one statement cannot.
    budget = CharacterBudget(repository, Clock(NOON))
    guild = GuildSettings(guild_id=1, user_daily_chars=20)
    results = await asyncio.gather(
        *(budget.reserve(guild, 7, 6) for _ in range(8)), return_exceptions=True
    )
    passed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BudgetExhaustedError)]
    assert (len(passed), len(refused)) == (3, 5)
    assert (await repository.usage(1, 7, NOON.date())).user_chars == 18


async def test_simultaneous_reservations_across_connections(
    repository: SettingsRepository, request: pytest.FixtureRequest, tmp_path
) -> None:
    """Two bot processes on one database: each has its own connection (pool), same ledger."""
    url = (
        request.getfixturevalue("postgres_dsn")
        if type(repository).__name__ == "PostgresSettings"
        else f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    )
    others = [await open_settings(url) for _ in range(3)]
    try:
        guild = GuildSettings(guild_id=1, guild_daily_chars=40)
        budgets = [CharacterBudget(repo, Clock(NOON)) for repo in [repository, *others]]
        results = await asyncio.gather(
            *(budgets[n % 4].reserve(guild, 100 + n, 10) for n in range(12)),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in results) == 4
        assert all(
            isinstance(r, BudgetExhaustedError) for r in results if isinstance(r, BaseException)
        )
        assert (await repository.usage(1, 100, NOON.date())).guild_chars == 40
    finally:
        for repo in others:
            await repo.close()


async def test_postgres_reservation_waits_for_one_still_being_committed(
    postgres_dsn: str, socket_enabled: None
) -> None:
    """READ COMMITTED: a plain INSERT ... SELECT would not see a reservation that another
    connection has made but not yet committed, and both would pass the cap."""
    first, second = await open_settings(postgres_dsn), await open_settings(postgres_dsn)
    try:
        await first._execute("DELETE FROM char_usage")
        guild = GuildSettings(guild_id=1, guild_daily_chars=40)
        async with first._pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            counted = await connection.fetchval(
                "SELECT vocu_reserve_chars(1, 7, '2026-03-01', 30, 40, NULL, NULL)"
            )
            assert counted == 30
            racing = asyncio.create_task(CharacterBudget(second, Clock(NOON)).reserve(guild, 8, 30))
            await asyncio.sleep(1.0)
            assert not racing.done()  # waits for the lock instead of reading a stale total
            await transaction.commit()
        with pytest.raises(BudgetExhaustedError):
            await racing
        assert (await second.usage(1, 8, NOON.date())).guild_chars == 30
    finally:
        await first.close()
        await second.close()


async def test_bot_wide_cap_counts_every_guild(repository: SettingsRepository) -> None:
    budget = CharacterBudget(repository, Clock(NOON), bot_daily_chars=50)
    await budget.reserve(GuildSettings(guild_id=1), 7, 30)
    with pytest.raises(BudgetExhaustedError) as refused:
        await budget.reserve(GuildSettings(guild_id=2), 8, 21)
    assert refused.value.scope == "bot"
    assert "limit its operator set for all servers" in str(refused.value)
    assert "30" not in str(refused.value)  # other servers' usage is not shown
    await budget.reserve(GuildSettings(guild_id=2), 8, 20)  # exactly up to the cap


async def test_forget_keeps_todays_usage_so_the_budget_holds(
    repository: SettingsRepository,
) -> None:
    # Folding a forgotten member's rows into user 0 reset their budget: three forgets let
    # 102 characters through a 40-character cap.
    budget = CharacterBudget(repository, Clock(NOON))
    guild = GuildSettings(guild_id=1, user_daily_chars=40)
    await repository.add_usage(1, 7, date(2026, 2, 28), 500)  # yesterday: nothing to keep
    spoken = 0
    for _ in range(3):
        for _ in range(4):
            try:
                await budget.reserve(guild, 7, 34 // 3)
                spoken += 34 // 3
            except BudgetExhaustedError:
                pass
        await repository.delete_user_data(7, NOON.date())
    assert spoken <= 40
    rows = await repository._fetch("SELECT day FROM char_usage WHERE user_id = 7")
    assert [row[0] for row in rows] == ["2026-03-01"]


async def test_forget_keeps_only_the_opt_out_flag(repository: SettingsRepository) -> None:
    await repository.update_user(1, 7, nickname="Al", voice_id="v", autoread_opt_out=True)
    await repository.update_user(2, 7, nickname="Al")
    assert await repository.delete_user_data(7, NOON.date()) == 2
    assert await repository.get_user(1, 7) == UserSettings(1, 7, autoread_opt_out=True)
    assert await repository.get_user(2, 7) == UserSettings(2, 7)
    rows = await repository._fetch("SELECT guild_id, data FROM user_settings WHERE user_id = 7")
    assert [(int(r[0]), r[1]) for r in rows] == [
        (1, UserSettings(1, 7, autoread_opt_out=True).to_json())
    ]
    repository.cache.drop_where(lambda key: True)  # read from the database, not the cache
    assert (await repository.get_user(1, 7)).autoread_opt_out


async def test_a_new_day_prunes_earlier_rows(repository: SettingsRepository) -> None:
    clock = Clock(NOON)
    budget = CharacterBudget(repository, clock)
    await budget.reserve(GuildSettings(guild_id=1), 7, 10)
    clock.now = NOON + timedelta(days=1)
    await budget.reserve(GuildSettings(guild_id=1), 8, 10)
    rows = await repository._fetch("SELECT user_id, day FROM char_usage")
    assert [(int(r[0]), r[1]) for r in rows] == [(8, "2026-03-02")]
