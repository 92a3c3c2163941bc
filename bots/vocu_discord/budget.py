"""Daily character budgets per guild and per user (Vocu bills per character).

Characters are counted on the normalised text *before* synthesis (so a request that would exceed
the budget is never paid for), then reconciled with the ``credit_used`` the service reports.
Days are UTC days: the budget resets at UTC midnight, whatever the server's local time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .settings import GuildSettings, SettingsRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class BudgetExhaustedError(Exception):
    """Speaking ``needed`` more characters would pass today's ``limit`` for ``scope``."""

    def __init__(self, scope: str, limit: int, used: int, needed: int) -> None:
        self.scope = scope  # "guild" | "user"
        self.limit = limit
        self.used = used
        self.needed = needed
        owner = "This server" if scope == "guild" else "You"
        super().__init__(
            f"{owner} used {used} of {limit} characters today; this needs {needed} more. "
            "The budget resets at midnight UTC."
        )


@dataclass(frozen=True, slots=True)
class Reservation:
    guild_id: int
    user_id: int
    day: date
    chars: int


class CharacterBudget:
    def __init__(
        self, repository: SettingsRepository, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._repository = repository
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(UTC).date()

    async def reserve(self, guild: GuildSettings, user_id: int, chars: int) -> Reservation:
        """Count ``chars`` against today's budgets, or raise `BudgetExhaustedError`."""
        day = self.today()
        usage = await self._repository.usage(guild.guild_id, user_id, day)
        if guild.guild_daily_chars is not None and (
            usage.guild_chars + chars > guild.guild_daily_chars
        ):
            raise BudgetExhaustedError("guild", guild.guild_daily_chars, usage.guild_chars, chars)
        if guild.user_daily_chars is not None and (
            usage.user_chars + chars > guild.user_daily_chars
        ):
            raise BudgetExhaustedError("user", guild.user_daily_chars, usage.user_chars, chars)
        await self._repository.add_usage(guild.guild_id, user_id, day, chars)
        return Reservation(guild.guild_id, user_id, day, chars)

    async def reconcile(self, reservation: Reservation, credit_used: float | None) -> int:
        """Replace the estimate by what the service billed; returns the correction applied.

        Booked on the reservation's day, so a clip that finishes after midnight still counts
        against the day it was accepted on.
        """
        if credit_used is None:
            return 0
        delta = math.ceil(credit_used) - reservation.chars
        if delta:
            await self._repository.add_usage(
                reservation.guild_id, reservation.user_id, reservation.day, delta
            )
        return delta

    async def refund(self, reservation: Reservation) -> None:
        """Give the characters back: the item failed before anything was billed."""
        await self._repository.add_usage(
            reservation.guild_id, reservation.user_id, reservation.day, -reservation.chars
        )

    async def remaining(self, guild: GuildSettings, user_id: int) -> tuple[int | None, int | None]:
        """Characters left today for the guild and for the user (None: unlimited)."""
        usage = await self._repository.usage(guild.guild_id, user_id, self.today())
        guild_left = (
            None
            if guild.guild_daily_chars is None
            else max(0, guild.guild_daily_chars - usage.guild_chars)
        )
        user_left = (
            None
            if guild.user_daily_chars is None
            else max(0, guild.user_daily_chars - usage.user_chars)
        )
        return guild_left, user_left
