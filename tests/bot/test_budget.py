"""Daily character budgets: limits, UTC-midnight reset, reconciliation with credit_used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from vocu_discord.budget import BudgetExhaustedError, CharacterBudget
from vocu_discord.settings import GuildSettings, SettingsRepository, open_settings


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def repository(tmp_path: Path) -> AsyncIterator[SettingsRepository]:
    repo = await open_settings(f"sqlite:///{tmp_path / 'budget.sqlite3'}")
    try:
        yield repo
    finally:
        await repo.close()


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
