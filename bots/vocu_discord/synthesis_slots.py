"""How many syntheses this process runs at once: the voice account's quota, shared by all guilds.

Vocu answers a synthesis beyond the account's concurrent quota (``syncBaseConcurrent +
syncPaidConcurrent``) with 429; every guild's player and `/tts file` share one account, so they
queue here for a slot instead. Sized once, from the account, on first use. Several processes on
one PostgreSQL share the quota through ``shared`` (see shared_slots).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from vocu_client import errors
from vocu_client.providers import Capability, VoiceProvider

if TYPE_CHECKING:
    from .shared_slots import PostgresSlots

_LOGGER = logging.getLogger(__name__)

# Services that report no quota: enough to prefetch one guild's next item while another speaks.
DEFAULT_CONCURRENCY = 2


class SynthesisSlots:
    def __init__(
        self,
        provider: VoiceProvider,
        *,
        limit: int | None = None,
        shared: PostgresSlots | None = None,
    ) -> None:
        self._provider = provider
        self._limit = limit
        self._shared = shared
        self._semaphore = asyncio.Semaphore(limit) if limit else None
        self._sizing = asyncio.Lock()

    @property
    def limit(self) -> int | None:
        """The cap, once known (None before the first synthesis asked the account)."""
        return self._limit

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        semaphore = self._semaphore or await self._size()
        async with semaphore:
            if self._shared is None or self._limit is None:
                yield
                return
            async with self._shared.hold(self._limit):
                yield

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()

    async def _size(self) -> asyncio.Semaphore:
        async with self._sizing:
            if self._semaphore is None:
                self._limit = await self._from_quota()
                self._semaphore = asyncio.Semaphore(self._limit)
                _LOGGER.info("Running at most %d syntheses at once", self._limit)
            return self._semaphore

    async def _from_quota(self) -> int:
        if not self._provider.supports(Capability.ACCOUNT):
            return DEFAULT_CONCURRENCY
        try:
            account = await self._provider.get_account()
        except errors.VoiceServiceError as error:
            _LOGGER.warning(
                "Could not read the account's quota (%s); running %d syntheses at once",
                type(error).__name__,
                DEFAULT_CONCURRENCY,
            )
            return DEFAULT_CONCURRENCY
        return account.quota.sync_concurrency
