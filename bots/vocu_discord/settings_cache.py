"""A small read-through cache for settings rows: auto-read consults them on every message.

Writes made through the repository update or drop the cached entry at once. On PostgreSQL other
processes' writes drop entries through LISTEN/NOTIFY (see settings_postgres); the time limit is
the backstop. Every drop bumps ``generation``: a read that started before a drop must not put what
it read (possibly the old row) back after it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_MAX_ENTRIES = 10_000


class SettingsCache:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.generation = 0
        # While no invalidations can arrive (PostgreSQL's listener is down) nothing is cached.
        self.enabled = True

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.clock() - stored_at >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: Hashable, value: Any, generation: int | None = None) -> None:
        """Cache ``value``; with ``generation`` (read before the value was), only if no entry
        was dropped since."""
        if not self.enabled or (generation is not None and generation != self.generation):
            return
        self._entries[key] = (self.clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def drop(self, key: Hashable) -> None:
        self.generation += 1
        self._entries.pop(key, None)

    def drop_where(self, predicate: Callable[[Hashable], bool]) -> None:
        self.generation += 1
        for key in [key for key in self._entries if predicate(key)]:
            del self._entries[key]

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
