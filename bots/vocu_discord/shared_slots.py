"""Synthesis slots shared by every bot process on one PostgreSQL.

The voice account's concurrency quota (``syncBaseConcurrent + syncPaidConcurrent``) is one for
the whole account, however many bot processes use it: beyond it Vocu answers 429 or makes the
request wait minutes. Each slot is a session advisory lock, ``(namespace, slot number)``; a
process holds one on its own connection for as long as a synthesis request runs, so a crashed
process's slots are freed with its connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator

import asyncpg

# pg_try_advisory_lock(int4, int4): the first key keeps these apart from other locks ('vocu').
SLOT_NAMESPACE = 0x766F6375
FIRST_POLL_SECONDS = 0.02
LAST_POLL_SECONDS = 0.5


class PostgresSlots:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _connections(self, limit: int) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                # One connection per slot this process may hold (its own semaphore caps it).
                self._pool = await asyncpg.create_pool(
                    self._database_url, min_size=0, max_size=max(1, limit)
                )
            return self._pool

    @contextlib.asynccontextmanager
    async def hold(self, limit: int) -> AsyncIterator[int]:
        """Wait for one of ``limit`` slots free across every process; yield its number."""
        pool = await self._connections(limit)
        async with pool.acquire() as connection:
            slot = await self._take(connection, limit)
            try:
                yield slot
            finally:
                # Returning the connection to the pool unlocks too (asyncpg's reset runs
                # pg_advisory_unlock_all), so a cancellation here cannot leak the slot.
                await connection.execute("SELECT pg_advisory_unlock($1, $2)", SLOT_NAMESPACE, slot)

    @staticmethod
    async def _take(connection: asyncpg.Connection, limit: int) -> int:
        delay = FIRST_POLL_SECONDS
        while True:
            start = random.randrange(limit)
            for offset in range(limit):
                slot = (start + offset) % limit
                if await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", SLOT_NAMESPACE, slot
                ):
                    return slot
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, LAST_POLL_SECONDS)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
