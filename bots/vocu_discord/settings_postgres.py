"""PostgreSQL backend of the settings repository (asyncpg), for bots that already run one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any, Self

import asyncpg

from .settings import RESERVE_USAGE_SQL, SettingsRepository, UsageCaps

_PLACEHOLDER = re.compile(r"\?")

# Under READ COMMITTED one INSERT ... SELECT reads the usage sums from the snapshot its statement
# started with, so two reservations could both pass. A VOLATILE function takes a fresh snapshot
# for each of its statements: the second one runs after the lock, so it sees every reservation
# committed before it. The transaction-level lock is released when the caller's statement commits.
RESERVE_FUNCTION_SQL = (
    "CREATE OR REPLACE FUNCTION vocu_reserve_chars(bigint, bigint, text, bigint, bigint, bigint,"
    " bigint) RETURNS bigint LANGUAGE sql VOLATILE AS $fn$"
    " SELECT pg_advisory_xact_lock(hashtext('vocu_reserve_chars'));"
    f" {RESERVE_USAGE_SQL.replace('?', '$')} RETURNING char_usage.chars;"
    " $fn$"
)


def to_numbered_placeholders(sql: str) -> str:
    """The shared SQL uses ``?``; asyncpg wants ``$1, $2, ...``."""
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class PostgresSettings(SettingsRepository):
    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self._pool = pool

    @classmethod
    async def connect(cls, database_url: str) -> Self:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
        return cls(pool)

    async def _execute(self, sql: str, *args: Any) -> int:
        status = await self._pool.execute(to_numbered_placeholders(sql), *args)
        # asyncpg answers with the command tag, e.g. "DELETE 3" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._pool.fetch(to_numbered_placeholders(sql), *args))

    async def create_schema(self) -> None:
        await super().create_schema()
        # Two bots starting at once would race on CREATE OR REPLACE: one at a time.
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext('vocu_schema'))")
            await connection.execute(RESERVE_FUNCTION_SQL)

    async def reserve_usage(
        self, guild_id: int, user_id: int, day: date, chars: int, caps: UsageCaps
    ) -> bool:
        counted = await self._pool.fetchval(
            "SELECT vocu_reserve_chars($1, $2, $3, $4, $5, $6, $7)",
            guild_id,
            user_id,
            day.isoformat(),
            chars,
            caps.guild,
            caps.user,
            caps.bot,
        )
        return counted is not None

    async def close(self) -> None:
        await self._pool.close()
