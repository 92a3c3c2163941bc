"""Per-guild and per-user settings, the pronunciation dictionary and daily character usage.

One async repository interface, two backends with the same SQL (SQLite by default, PostgreSQL when
DATABASE_URL says so). Settings rows hold a JSON document so a new field needs no migration; the
dataclasses below are the schema, and unknown keys from a newer version are ignored.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any, Literal, Self

from .migrations import MigrationResult, SchemaSession, upgrade
from .settings_cache import SettingsCache

DEFAULT_DATABASE_URL = "sqlite:///vocu-bot.sqlite3"

Overflow = Literal["drop_oldest", "refuse"]
OVERFLOW_POLICIES: tuple[str, ...] = ("drop_oldest", "refuse")


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    autoread_channel_ids: tuple[int, ...] = ()
    read_voice_chat: bool = True  # the voice channel's own text chat is read too
    # Only read members who are in the bot's voice channel (in voice chat too): someone who is
    # not listening has no business making the call hear them.
    voice_members_only: bool = True
    not_in_voice_notice: bool = True  # once per channel per idle period; False: never
    auto_join: bool = False
    announce_names: bool = True
    default_voice_id: str | None = None
    default_style_id: str | None = None
    max_chars: int = 300
    max_seconds: int = 30
    required_role_id: int | None = None
    ignore_bots: bool = True
    cooldown_seconds: float = 0.0
    guild_daily_chars: int | None = None  # None: no budget
    user_daily_chars: int | None = None
    overflow: str = "drop_oldest"
    max_queue: int = 20
    skip_emoji: bool = False
    inactivity_timeout_seconds: int = 600
    voice_channel_id: int | None = None  # saved so the bot re-joins after a restart
    text_channel_id: int | None = None

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("guild_id")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, guild_id: int, text: str | None) -> Self:
        return cls(guild_id=guild_id, **_known_fields(cls, text))


@dataclass(frozen=True, slots=True)
class UserSettings:
    guild_id: int
    user_id: int
    voice_id: str | None = None
    style_id: str | None = None
    speed: float | None = None
    nickname: str | None = None  # spoken instead of the display name
    autoread_opt_out: bool = False

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("guild_id")
        data.pop("user_id")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, guild_id: int, user_id: int, text: str | None) -> Self:
        return cls(guild_id=guild_id, user_id=user_id, **_known_fields(cls, text))

    @property
    def is_default(self) -> bool:
        return self == UserSettings(self.guild_id, self.user_id)


def _known_fields(cls: type, text: str | None) -> dict[str, Any]:
    data = json.loads(text) if text else {}
    names = {f.name for f in fields(cls)}
    known = {key: value for key, value in data.items() if key in names}
    if isinstance(known.get("autoread_channel_ids"), list):
        known["autoread_channel_ids"] = tuple(known["autoread_channel_ids"])
    return known


@dataclass(frozen=True, slots=True)
class UsageCaps:
    """Daily character caps checked by one reservation (None: no cap on that scope)."""

    guild: int | None = None
    user: int | None = None
    bot: int | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Characters spoken on one UTC day: by the whole guild and by one user."""

    guild_chars: int
    user_chars: int


# Check and count in one statement, so two reservations can never both pass on the same
# remaining characters: ?1 guild, ?2 user, ?3 day, ?4 characters, ?5/?6/?7 the guild's, the
# member's and the whole bot's daily cap (NULL: none). Nothing is written when a cap would be
# passed. SQLite takes its write lock when the statement starts, so this holds across processes;
# PostgreSQL runs it inside a function behind a lock (see settings_postgres).
RESERVE_USAGE_SQL = (
    "INSERT INTO char_usage (guild_id, user_id, day, chars) SELECT ?1, ?2, ?3, ?4"
    " WHERE (?5 IS NULL OR ?4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE guild_id = ?1 AND day = ?3) <= ?5)"
    " AND (?6 IS NULL OR ?4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE guild_id = ?1 AND user_id = ?2 AND day = ?3) <= ?6)"
    " AND (?7 IS NULL OR ?4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE day = ?3) <= ?7)"
    " ON CONFLICT (guild_id, user_id, day) DO UPDATE SET chars = char_usage.chars + excluded.chars"
)


# Compare-and-swap retries: each failure means another process's write landed in between (one
# process's own updates take turns), so a handful is plenty; past it something loops on the row.
_MAX_UPDATE_ATTEMPTS = 20


class ConcurrentUpdateError(RuntimeError):
    """A settings row changed under every attempt to update it."""


class SettingsRepository(ABC):
    """The one interface both backends implement. SQL uses ``?`` placeholders throughout.

    Settings rows and the pronunciation dictionary are read through ``cache`` (auto-read needs
    them for every message); every write below keeps it in step.
    """

    def __init__(self) -> None:
        self.cache = SettingsCache()
        # Settings changes are rare: this process's take turns, other processes' are caught by
        # the compare-and-swap.
        self._update_turn = asyncio.Lock()

    @abstractmethod
    async def _execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of affected rows."""

    @abstractmethod
    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def _fetch_one(self, sql: str, *args: Any) -> Sequence[Any] | None:
        rows = await self._fetch(sql, *args)
        return rows[0] if rows else None

    @abstractmethod
    def _schema_lock(self) -> AbstractAsyncContextManager[SchemaSession]:
        """One transaction holding the schema lock, shared by every process on the database."""

    async def migrate_schema(self, *, apply: bool = True) -> MigrationResult:
        """Apply pending migrations (or, ``apply`` False, refuse an old schema); see migrations."""
        async with self._schema_lock() as session:
            return await upgrade(session, apply=apply)

    async def _compare_and_swap(
        self, table: str, keys: dict[str, int], old: str | None, new: str | None
    ) -> bool:
        """Replace a settings row's ``data`` only if it still is ``old`` (None: no row)."""
        where = " AND ".join(f"{column} = ?" for column in keys)
        if old is None and new is None:
            return True
        if old is None:
            columns = ", ".join([*keys, "data"])
            marks = ", ".join("?" * (len(keys) + 1))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"
            return await self._execute(sql, *keys.values(), new) > 0
        if new is None:
            sql = f"DELETE FROM {table} WHERE {where} AND data = ?"
            return await self._execute(sql, *keys.values(), old) > 0
        sql = f"UPDATE {table} SET data = ? WHERE {where} AND data = ?"
        return await self._execute(sql, new, *keys.values(), old) > 0

    async def _current_data(self, table: str, keys: dict[str, int]) -> str | None:
        where = " AND ".join(f"{column} = ?" for column in keys)
        row = await self._fetch_one(f"SELECT data FROM {table} WHERE {where}", *keys.values())
        return row[0] if row else None

    # the bot's own state
    async def get_state(self, name: str) -> str | None:
        row = await self._fetch_one("SELECT value FROM bot_state WHERE name = ?", name)
        return row[0] if row else None

    async def set_state(self, name: str, value: str) -> None:
        await self._execute(
            "INSERT INTO bot_state (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            name,
            value,
        )

    # guilds
    async def get_guild(self, guild_id: int) -> GuildSettings:
        if (cached := self.cache.get(("guild", guild_id))) is not None:
            return cached
        generation = self.cache.generation
        row = await self._fetch_one("SELECT data FROM guild_settings WHERE guild_id = ?", guild_id)
        settings = GuildSettings.from_json(guild_id, row[0] if row else None)
        self.cache.put(("guild", guild_id), settings, generation)
        return settings

    async def save_guild(self, settings: GuildSettings) -> None:
        await self._execute(
            "INSERT INTO guild_settings (guild_id, data) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET data = excluded.data",
            settings.guild_id,
            settings.to_json(),
        )
        self.cache.put(("guild", settings.guild_id), settings)

    async def update_guild(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some fields, keeping whatever another process wrote to the others meanwhile."""
        keys = {"guild_id": guild_id}
        async with self._update_turn:
            return await self._update_guild(guild_id, keys, changes)

    async def _update_guild(
        self, guild_id: int, keys: dict[str, int], changes: dict[str, Any]
    ) -> GuildSettings:
        for _ in range(_MAX_UPDATE_ATTEMPTS):
            old = await self._current_data("guild_settings", keys)
            updated = replace(GuildSettings.from_json(guild_id, old), **changes)
            if await self._compare_and_swap("guild_settings", keys, old, updated.to_json()):
                self.cache.put(("guild", guild_id), updated)
                return updated
        raise ConcurrentUpdateError(f"guild {guild_id}'s settings kept changing; try again")

    async def guilds_with_voice_channel(self) -> list[GuildSettings]:
        rows = await self._fetch("SELECT guild_id, data FROM guild_settings")
        guilds = [GuildSettings.from_json(int(row[0]), row[1]) for row in rows]
        return [guild for guild in guilds if guild.voice_channel_id]

    # users
    async def get_user(self, guild_id: int, user_id: int) -> UserSettings:
        if (cached := self.cache.get(("user", guild_id, user_id))) is not None:
            return cached
        generation = self.cache.generation
        row = await self._fetch_one(
            "SELECT data FROM user_settings WHERE guild_id = ? AND user_id = ?", guild_id, user_id
        )
        settings = UserSettings.from_json(guild_id, user_id, row[0] if row else None)
        self.cache.put(("user", guild_id, user_id), settings, generation)
        return settings

    async def save_user(self, settings: UserSettings) -> None:
        if settings.is_default:  # store nothing about people who changed nothing
            await self._execute(
                "DELETE FROM user_settings WHERE guild_id = ? AND user_id = ?",
                settings.guild_id,
                settings.user_id,
            )
        else:
            await self._execute(
                "INSERT INTO user_settings (guild_id, user_id, data) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET data = excluded.data",
                settings.guild_id,
                settings.user_id,
                settings.to_json(),
            )
        self.cache.put(("user", settings.guild_id, settings.user_id), settings)

    async def update_user(self, guild_id: int, user_id: int, **changes: Any) -> UserSettings:
        """Change some fields, keeping whatever another process wrote to the others meanwhile.

        Read from the database, not the cache, and written only if the row is still what was
        read: a cached copy written back would undo another process's change.
        """
        keys = {"guild_id": guild_id, "user_id": user_id}
        async with self._update_turn:
            return await self._update_user(guild_id, user_id, keys, changes)

    async def _update_user(
        self, guild_id: int, user_id: int, keys: dict[str, int], changes: dict[str, Any]
    ) -> UserSettings:
        for _ in range(_MAX_UPDATE_ATTEMPTS):
            old = await self._current_data("user_settings", keys)
            updated = replace(UserSettings.from_json(guild_id, user_id, old), **changes)
            new = None if updated.is_default else updated.to_json()  # nothing stored for defaults
            if await self._compare_and_swap("user_settings", keys, old, new):
                self.cache.put(("user", guild_id, user_id), updated)
                return updated
        raise ConcurrentUpdateError(f"member {user_id}'s settings kept changing; try again")

    async def delete_user_data(self, user_id: int, today: date) -> int:
        """Forget a member everywhere; returns how many servers held settings about them.

        Two things stay, because deleting them would undo what the member or the server asked
        for: an opt-out (kept as the bare flag, so a forget does not opt them back in) and
        today's usage rows (so a forget does not reset a daily budget; gone after midnight UTC).
        """
        rows = await self._fetch(
            "SELECT guild_id, data FROM user_settings WHERE user_id = ?", user_id
        )
        await self._execute("DELETE FROM user_settings WHERE user_id = ?", user_id)
        for row in rows:
            if UserSettings.from_json(int(row[0]), user_id, row[1]).autoread_opt_out:
                await self.save_user(UserSettings(int(row[0]), user_id, autoread_opt_out=True))
        await self._execute(
            "DELETE FROM char_usage WHERE user_id = ? AND day <> ?", user_id, today.isoformat()
        )
        self.cache.drop_where(lambda key: key[0] == "user" and key[2] == user_id)
        return len(rows)

    # pronunciation dictionary
    async def set_pronunciation(self, guild_id: int, word: str, replacement: str) -> None:
        await self._execute(
            "INSERT INTO pronunciations (guild_id, word, replacement) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id, word) DO UPDATE SET replacement = excluded.replacement",
            guild_id,
            word.strip().casefold(),
            replacement.strip(),
        )
        self.cache.drop(("words", guild_id))  # after the write: a read in between is not kept

    async def remove_pronunciation(self, guild_id: int, word: str) -> bool:
        count = await self._execute(
            "DELETE FROM pronunciations WHERE guild_id = ? AND word = ?",
            guild_id,
            word.strip().casefold(),
        )
        self.cache.drop(("words", guild_id))
        return count > 0

    async def pronunciations(self, guild_id: int) -> dict[str, str]:
        if (cached := self.cache.get(("words", guild_id))) is not None:
            return dict(cached)
        generation = self.cache.generation
        rows = await self._fetch(
            "SELECT word, replacement FROM pronunciations WHERE guild_id = ? ORDER BY word",
            guild_id,
        )
        words = {row[0]: row[1] for row in rows}
        self.cache.put(("words", guild_id), words, generation)
        return dict(words)

    # daily character usage (the budget's ledger)
    async def add_usage(self, guild_id: int, user_id: int, day: date, chars: int) -> None:
        """Add (or, when reconciling, subtract) characters for one user on one UTC day."""
        await self._execute(
            "INSERT INTO char_usage (guild_id, user_id, day, chars) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id, day)"
            " DO UPDATE SET chars = char_usage.chars + excluded.chars",
            guild_id,
            user_id,
            day.isoformat(),
            chars,
        )

    async def reserve_usage(
        self, guild_id: int, user_id: int, day: date, chars: int, caps: UsageCaps
    ) -> bool:
        """Count ``chars`` for one member on one day unless a cap would be passed (atomic)."""
        count = await self._execute(
            RESERVE_USAGE_SQL,
            guild_id,
            user_id,
            day.isoformat(),
            chars,
            caps.guild,
            caps.user,
            caps.bot,
        )
        return count > 0

    async def bot_usage(self, day: date) -> int:
        """Characters counted on one UTC day by every guild (the bot-wide cap's total)."""
        row = await self._fetch_one(
            "SELECT COALESCE(SUM(chars), 0) FROM char_usage WHERE day = ?", day.isoformat()
        )
        return max(0, int(row[0])) if row else 0

    async def prune_usage(self, before: date) -> None:
        """Drop the rows of earlier days: budgets only look at today, and old rows name people."""
        await self._execute("DELETE FROM char_usage WHERE day < ?", before.isoformat())

    async def usage(self, guild_id: int, user_id: int, day: date) -> Usage:
        rows = await self._fetch(
            "SELECT user_id, chars FROM char_usage WHERE guild_id = ? AND day = ?",
            guild_id,
            day.isoformat(),
        )
        return Usage(
            guild_chars=max(0, sum(int(row[1]) for row in rows)),
            user_chars=max(0, sum(int(row[1]) for row in rows if int(row[0]) == user_id)),
        )


async def open_settings(
    database_url: str = DEFAULT_DATABASE_URL,
    *,
    migrate: bool = True,
    check_schema: bool = True,
    sole_process: bool = False,
) -> SettingsRepository:
    """Open the repository that ``database_url`` names, its schema migrated (or checked).

    ``migrate`` False refuses a schema older than this code instead of upgrading it; a newer one
    is always refused (SchemaError, one line). ``sole_process``: this is the bot itself, and a
    SQLite file serves one bot process only (a second one is refused with a SchemaError).
    """
    # Backends import lazily: each imports this module, and a SQLite bot never loads asyncpg.
    if database_url.startswith(("postgres://", "postgresql://")):
        from .settings_postgres import PostgresSettings  # noqa: PLC0415

        repository: SettingsRepository = await PostgresSettings.connect(database_url)
    elif database_url.startswith("sqlite://"):
        from .settings_sqlite import SqliteSettings  # noqa: PLC0415

        repository = await SqliteSettings.connect(database_url, sole_process=sole_process)
    else:
        raise ValueError(
            "DATABASE_URL must start with sqlite:///, postgres:// or postgresql:// "
            f"(got a value starting with {database_url.split(':', 1)[0]!r})"
        )
    if check_schema:
        try:
            await repository.migrate_schema(apply=migrate)
        except BaseException:
            await repository.close()
            raise
    return repository
