"""SQLite backend of the settings repository (the default: one file next to the bot)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import IO, Any, Self

import aiosqlite

from .migrations import Backend, SchemaError
from .settings import SettingsRepository

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks; one process is then the operator's care
    fcntl = None  # type: ignore[assignment]

# Migrations wait this long for another process's exclusive transaction before giving up.
_BUSY_TIMEOUT_SECONDS = 30.0
_SETUP_LOCK_POLL_SECONDS = 0.05


def sqlite_path(database_url: str) -> str:
    """``sqlite:///bot.db`` → ``bot.db`` (relative); ``sqlite:////var/lib/bot.db`` → absolute."""
    path = database_url.removeprefix("sqlite://")
    path = path.removeprefix("/")
    if not path:
        raise ValueError(
            "DATABASE_URL sqlite:/// needs a file name, e.g. sqlite:///vocu-bot.sqlite3"
        )
    return path


def claim_sole_process(path: str) -> IO[str] | None:
    """Hold a lock file beside the database for as long as this bot runs.

    Two bot processes on one SQLite file would each cache settings the other changes and both
    re-join every saved channel; that takes PostgreSQL. The lock goes with the process, so a
    crashed bot never leaves it behind.
    """
    if fcntl is None:
        return None
    handle = Path(f"{path}.bot-lock").open("w")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SchemaError(
            f"another bot process already uses the SQLite database {path}; "
            "several processes need PostgreSQL (DATABASE_URL=postgresql://...)"
        ) from None
    return handle


@contextlib.asynccontextmanager
async def _setup_lock(path: str) -> AsyncIterator[None]:
    """One process (and one connection) at a time switches the file to WAL or migrates it.

    SQLite's busy timeout does not cover every collision of first opens: two connections that
    both read a fresh file and then want it exclusively (the WAL switch, BEGIN EXCLUSIVE) are a
    deadlock SQLite answers at once with "database is locked". Taking turns outside SQLite first
    leaves it nothing to resolve.
    """
    if fcntl is None:
        yield
        return
    handle = Path(f"{path}.setup-lock").open("w")  # noqa: SIM115, ASYNC230 - local, closed below
    try:
        waited = 0.0
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waited >= _BUSY_TIMEOUT_SECONDS:
                    raise SchemaError(
                        f"another process has been setting up the SQLite database {path} "
                        f"for over {_BUSY_TIMEOUT_SECONDS:.0f} s"
                    ) from None
                await asyncio.sleep(_SETUP_LOCK_POLL_SECONDS)
                waited += _SETUP_LOCK_POLL_SECONDS
        yield
    finally:
        handle.close()  # closing releases the lock


async def _close_connection(connection: aiosqlite.Connection) -> None:
    await connection.close()
    # aiosqlite answers close() before its worker thread has ended, and that thread is not a
    # daemon: one left behind keeps the whole process from exiting. Closed means gone.
    worker = getattr(connection, "_thread", None)
    if worker is not None and worker.is_alive():
        await asyncio.to_thread(worker.join, _BUSY_TIMEOUT_SECONDS)


class _SqliteSchemaSession:
    backend: Backend = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str) -> None:
        await self._connection.execute(sql)

    async def scalar(self, sql: str) -> object:
        async with self._connection.execute(sql) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def table_exists(self, name: str) -> bool:
        async with self._connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ) as cursor:
            return await cursor.fetchone() is not None


class SqliteSettings(SettingsRepository):
    def __init__(
        self, connection: aiosqlite.Connection, path: str, lock: IO[str] | None = None
    ) -> None:
        super().__init__()
        self._connection = connection
        self._path = path
        self._lock = lock

    @classmethod
    async def connect(cls, database_url: str, *, sole_process: bool = False) -> Self:
        path = sqlite_path(database_url)
        lock = claim_sole_process(path) if sole_process else None
        try:
            async with _setup_lock(path):
                connection = await aiosqlite.connect(path, timeout=_BUSY_TIMEOUT_SECONDS)
                try:
                    await connection.execute("PRAGMA journal_mode=WAL")
                except BaseException:
                    await _close_connection(connection)
                    raise
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        return cls(connection, path, lock)

    async def _execute(self, sql: str, *args: Any) -> int:
        cursor = await self._connection.execute(sql, args)
        await self._connection.commit()
        return cursor.rowcount

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        async with self._connection.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    @contextlib.asynccontextmanager
    async def _schema_lock(self) -> AsyncIterator[_SqliteSchemaSession]:
        # EXCLUSIVE at once (not on the first write): a second migrating process waits here,
        # then reads the version the first one recorded.
        async with _setup_lock(self._path):
            await self._connection.execute("BEGIN EXCLUSIVE")
            try:
                yield _SqliteSchemaSession(self._connection)
            except BaseException:
                await self._connection.rollback()
                raise
            await self._connection.commit()

    async def close(self) -> None:
        try:
            await _close_connection(self._connection)
        finally:
            if self._lock is not None:
                self._lock.close()
