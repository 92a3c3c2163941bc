"""PostgreSQL backend of the settings repository (asyncpg), for bots that already run one.

Several bot processes may share the database: each keeps one extra connection LISTENing for the
settings triggers' notifications (see migrations) and drops the cache entry named. While that
connection is down a notification may be missed, so the cache is flushed and switched off until
it listens again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Hashable, Sequence
from datetime import date
from typing import Any, Self

import asyncpg

from .migrations import POSTGRES_SCHEMA_LOCK, SETTINGS_CHANNEL, Backend
from .settings import SettingsRepository, UsageCaps

_LOGGER = logging.getLogger(__name__)
_PLACEHOLDER = re.compile(r"\?")
LISTENER_RETRY_SECONDS = 2.0


def to_numbered_placeholders(sql: str) -> str:
    """The shared SQL uses ``?``; asyncpg wants ``$1, $2, ...``."""
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def cache_key(payload: str) -> Hashable | None:
    """``guild:G`` / ``user:G:U`` / ``words:G`` (the trigger's payload) → the cache key."""
    kind, _, rest = payload.partition(":")
    try:
        ids = tuple(int(part) for part in rest.split(":"))
    except ValueError:
        return None
    if (kind, len(ids)) in {("guild", 1), ("user", 2), ("words", 1)}:
        return (kind, *ids)
    return None


class _PostgresSchemaSession:
    backend: Backend = "postgres"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str) -> None:
        await self._connection.execute(sql)

    async def scalar(self, sql: str) -> object:
        return await self._connection.fetchval(sql)

    async def table_exists(self, name: str) -> bool:
        return bool(await self._connection.fetchval("SELECT to_regclass($1) IS NOT NULL", name))


class PostgresSettings(SettingsRepository):
    def __init__(self, pool: asyncpg.Pool, database_url: str) -> None:
        super().__init__()
        self._pool = pool
        self._database_url = database_url
        self._listener: asyncpg.Connection | None = None
        self._relisten_task: asyncio.Task[None] | None = None
        self._closing = False
        self.listener_retry_seconds = LISTENER_RETRY_SECONDS
        self.cache.enabled = False  # until notifications can arrive

    @classmethod
    async def connect(cls, database_url: str) -> Self:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
        repository = cls(pool, database_url)
        try:
            await repository._listen()
        except BaseException:
            await pool.close()
            raise
        return repository

    # -- cache invalidation across processes ----------------------------------------------------

    @property
    def listener_pid(self) -> int | None:
        """The server process of the listening connection (None while it is down)."""
        listener = self._listener
        return listener.get_server_pid() if listener and not listener.is_closed() else None

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self._database_url)
        try:
            await connection.add_listener(SETTINGS_CHANNEL, self._on_notification)
        except BaseException:
            await connection.close()
            raise
        connection.add_termination_listener(self._on_listener_lost)
        self._listener = connection
        # Whatever was read while nobody listened may have changed unseen.
        self.cache.clear()
        self.cache.enabled = True

    def _on_notification(
        self, _connection: asyncpg.Connection, _pid: int, _channel: str, payload: str
    ) -> None:
        key = cache_key(payload)
        if key is None:
            self.cache.clear()
        else:
            self.cache.drop(key)

    def _on_listener_lost(self, _connection: asyncpg.Connection) -> None:
        self._listener = None
        if self._closing:
            return
        _LOGGER.warning("Lost the settings listener connection; settings are read uncached")
        self.cache.enabled = False
        self.cache.clear()
        self._relisten_task = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        while not self._closing:
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                _LOGGER.warning("Settings listener reconnect failed: %s", type(error).__name__)
                await asyncio.sleep(self.listener_retry_seconds)
            else:
                _LOGGER.info("Settings listener reconnected; caching again")
                return

    # -- statements ------------------------------------------------------------------------------

    async def _execute(self, sql: str, *args: Any) -> int:
        status = await self._pool.execute(to_numbered_placeholders(sql), *args)
        # asyncpg answers with the command tag, e.g. "DELETE 3" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._pool.fetch(to_numbered_placeholders(sql), *args))

    @contextlib.asynccontextmanager
    async def _schema_lock(self) -> AsyncIterator[_PostgresSchemaSession]:
        # DDL is transactional in PostgreSQL: a failed migration leaves nothing half-applied.
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(POSTGRES_SCHEMA_LOCK)
            yield _PostgresSchemaSession(connection)

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
        self._closing = True
        if self._relisten_task is not None:
            self._relisten_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relisten_task
        try:
            if self._listener is not None:
                await self._listener.close()
        finally:
            await self._pool.close()
