"""PostgreSQL backend of the settings repository (asyncpg), for bots that already run one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

import asyncpg

from .settings import SettingsRepository

_PLACEHOLDER = re.compile(r"\?")


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

    async def close(self) -> None:
        await self._pool.close()
