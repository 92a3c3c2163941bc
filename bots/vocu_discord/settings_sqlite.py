"""SQLite backend of the settings repository (the default: one file next to the bot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import aiosqlite

from .settings import SettingsRepository


def sqlite_path(database_url: str) -> str:
    """``sqlite:///bot.db`` → ``bot.db`` (relative); ``sqlite:////var/lib/bot.db`` → absolute."""
    path = database_url.removeprefix("sqlite://")
    path = path.removeprefix("/")
    if not path:
        raise ValueError(
            "DATABASE_URL sqlite:/// needs a file name, e.g. sqlite:///vocu-bot.sqlite3"
        )
    return path


class SqliteSettings(SettingsRepository):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__()
        self._connection = connection

    @classmethod
    async def connect(cls, database_url: str) -> Self:
        connection = await aiosqlite.connect(sqlite_path(database_url))
        await connection.execute("PRAGMA journal_mode=WAL")
        return cls(connection)

    async def _execute(self, sql: str, *args: Any) -> int:
        cursor = await self._connection.execute(sql, args)
        await self._connection.commit()
        return cursor.rowcount

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        async with self._connection.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    async def close(self) -> None:
        await self._connection.close()
