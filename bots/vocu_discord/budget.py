"""Daily character budgets per guild and per user (Vocu bills per character).

Characters are counted on the normalised text *before* synthesis (so a request that would exceed
the budget is never paid for), then reconciled with the ``credit_used`` the service reports.
Days are UTC days: the budget resets at UTC midnight, whatever the server's local time.
Three caps share one ledger (the ``char_usage`` table): per server, per member (both set in
`/tts-admin settings budget`) and, optionally, one for the whole bot set by its operator
(``BOT_DAILY_CHARS``), so one server cannot spend the single paid account of a public bot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .settings import GuildSettings, SettingsRepository, UsageCaps

RESERVE_ATTEMPTS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


class BudgetExhaustedError(Exception):
    """Speaking ``needed`` more characters would pass today's ``limit`` for ``scope``."""

    def __init__(self, scope: str, limit: int, used: int, needed: int) -> None:
        self.scope = scope  # "guild" | "user" | "bot"
        self.limit = limit
        self.used = used
        self.needed = needed
        if scope == "bot":  # other servers' usage is none of this server's business
            message = (
                "This bot has reached the daily character limit its operator set for all "
                "servers. It resets at midnight UTC."
            )
        else:
            owner = "This server" if scope == "guild" else "You"
            message = (
                f"{owner} used {used} of {limit} characters today; this needs {needed} more. "
                "The budget resets at midnight UTC."
            )
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Reservation:
    guild_id: int
    user_id: int
    day: date
    chars: int


class CharacterBudget:
    def __init__(
        self,
        repository: SettingsRepository,
        clock: Callable[[], datetime] = utc_now,
        *,
        bot_daily_chars: int | None = None,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self.bot_daily_chars = bot_daily_chars  # None: no bot-wide cap
        self._pruned_before: date | None = None

    def today(self) -> date:
        return self._clock().astimezone(UTC).date()

    async def reserve(self, guild: GuildSettings, user_id: int, chars: int) -> Reservation:
        """Count ``chars`` against today's budgets, or raise `BudgetExhaustedError`.

        The check and the count are one database statement: concurrent messages (or several bot
        processes on one PostgreSQL) cannot together pass a cap.
        """
        day = self.today()
        await self._prune(day)
        caps = UsageCaps(guild.guild_daily_chars, guild.user_daily_chars, self.bot_daily_chars)
        for _ in range(RESERVE_ATTEMPTS):
            if await self._repository.reserve_usage(guild.guild_id, user_id, day, chars, caps):
                return Reservation(guild.guild_id, user_id, day, chars)
            refused = await self._exhausted(guild, user_id, day, chars)
            if refused is not None:
                raise refused
            # No cap looks passed any more: a refund landed in between. Try again.
        raise BudgetExhaustedError("guild", guild.guild_daily_chars or 0, 0, chars)

    async def _exhausted(
        self, guild: GuildSettings, user_id: int, day: date, chars: int
    ) -> BudgetExhaustedError | None:
        """Which cap refused (read after the fact, only to word the message)."""
        usage = await self._repository.usage(guild.guild_id, user_id, day)
        if self.bot_daily_chars is not None:
            used = await self._repository.bot_usage(day)
            if used + chars > self.bot_daily_chars:
                return BudgetExhaustedError("bot", self.bot_daily_chars, used, chars)
        if guild.guild_daily_chars is not None and (
            usage.guild_chars + chars > guild.guild_daily_chars
        ):
            return BudgetExhaustedError("guild", guild.guild_daily_chars, usage.guild_chars, chars)
        if guild.user_daily_chars is not None and (
            usage.user_chars + chars > guild.user_daily_chars
        ):
            return BudgetExhaustedError("user", guild.user_daily_chars, usage.user_chars, chars)
        return None

    async def _prune(self, day: date) -> None:
        """Once per UTC day: earlier days' rows (and the member ids in them) are dropped."""
        if self._pruned_before != day:
            self._pruned_before = day
            await self._repository.prune_usage(day)

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
