"""Spacing the gateway logins (IDENTIFY) of every shard, across every bot process.

Discord starts at most ``max_concurrency`` sessions per 5 s: shard s is in bucket
``s % max_concurrency``, and a second IDENTIFY of one bucket inside the window invalidates the
session. discord.py spaces the shards of one process only; processes that split the shards must
share the clock too, so on PostgreSQL the turn is taken under an advisory lock per bucket and the
time of the bucket's last IDENTIFY is kept in a table (``gateway_identify``), on the database's
clock: it outlives a crashed process and needs no agreement between the hosts' clocks.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod

_LOGGER = logging.getLogger(__name__)

# The gate records a turn just before discord.py sends the IDENTIFY; this much more than
# Discord's window covers the difference between two processes' time from record to arrival.
IDENTIFY_MARGIN = 0.5  # seconds

_TAKE_TURN = "SELECT pg_advisory_xact_lock(hashtext('vocu_identify'), $1)"
_SECONDS_TO_WAIT = (
    "SELECT EXTRACT(EPOCH FROM identified_at - clock_timestamp()) + $2::float8"
    " FROM gateway_identify WHERE bucket = $1"
)
_RECORD_TURN = (
    "INSERT INTO gateway_identify (bucket, identified_at) VALUES ($1, clock_timestamp())"
    " ON CONFLICT (bucket) DO UPDATE SET identified_at = excluded.identified_at"
)


class IdentifyGate(ABC):
    """``await wait_turn(shard_id)`` returns when that shard may IDENTIFY."""

    def __init__(self, interval: float) -> None:
        self.interval = interval  # Discord's window
        self.max_concurrency = 1  # from /gateway/bot before the first shard connects

    @property
    def spacing(self) -> float:
        return self.interval + IDENTIFY_MARGIN

    def bucket(self, shard_id: int) -> int:
        return shard_id % self.max_concurrency

    async def wait_turn(self, shard_id: int) -> None:
        bucket = self.bucket(shard_id)
        await self._wait_turn(bucket)
        _LOGGER.debug("Shard %s may identify (bucket %s)", shard_id, bucket)

    @abstractmethod
    async def _wait_turn(self, bucket: int) -> None: ...


class LocalIdentifyGate(IdentifyGate):
    """One process on its own (SQLite): its shards take turns among themselves."""

    def __init__(self, interval: float) -> None:
        super().__init__(interval)
        self._locks: dict[int, asyncio.Lock] = {}
        self._last: dict[int, float] = {}

    async def _wait_turn(self, bucket: int) -> None:
        loop = asyncio.get_running_loop()
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            last = self._last.get(bucket)
            if last is not None:
                await asyncio.sleep(max(0.0, last + self.spacing - loop.time()))
            self._last[bucket] = loop.time()


class PostgresIdentifyGate(IdentifyGate):
    """Processes sharing one PostgreSQL database take turns through it."""

    def __init__(self, database_url: str, interval: float) -> None:
        super().__init__(interval)
        self._database_url = database_url

    async def _wait_turn(self, bucket: int) -> None:
        import asyncpg  # noqa: PLC0415 - only for bots on PostgreSQL

        # A connection of its own: a transaction-scoped lock, released at commit, and nothing
        # else of the bot waits behind it while it sleeps out the bucket's window.
        connection = await asyncpg.connect(self._database_url)
        try:
            async with connection.transaction():
                await connection.execute(_TAKE_TURN, bucket)
                wait = await connection.fetchval(_SECONDS_TO_WAIT, bucket, self.spacing)
                if wait is not None and wait > 0:
                    await asyncio.sleep(min(float(wait), self.spacing))
                await connection.execute(_RECORD_TURN, bucket)
        finally:
            await connection.close()


def identify_gate_for(database_url: str, interval: float) -> IdentifyGate:
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresIdentifyGate(database_url, interval)
    return LocalIdentifyGate(interval)
