"""The database schema as numbered migrations, applied once under a lock.

Several bot processes may start at once on an empty database; ``CREATE TABLE IF NOT EXISTS`` alone
races on PostgreSQL (both processes pass the existence check, one fails on the catalog's unique
index). So every schema change runs inside one transaction that first takes the schema lock
(PostgreSQL: an advisory lock; SQLite: ``BEGIN EXCLUSIVE``), reads the applied version, applies
what is missing and records it. A migration, once released, never changes: change the schema by
appending one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Backend = Literal["sqlite", "postgres"]

VERSION_TABLE = "vocu_schema_migrations"
# One lock name for every schema change (hashtext gives pg_advisory_xact_lock its bigint key).
POSTGRES_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('vocu_schema'))"

_TABLES: tuple[str, ...] = (
    # IF NOT EXISTS: a database made before migrations existed is adopted as version 1.
    "CREATE TABLE IF NOT EXISTS guild_settings (guild_id BIGINT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS user_settings (guild_id BIGINT NOT NULL, user_id BIGINT NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (guild_id, user_id))",
    "CREATE TABLE IF NOT EXISTS pronunciations (guild_id BIGINT NOT NULL, word TEXT NOT NULL,"
    " replacement TEXT NOT NULL, PRIMARY KEY (guild_id, word))",
    "CREATE TABLE IF NOT EXISTS char_usage (guild_id BIGINT NOT NULL, user_id BIGINT NOT NULL,"
    " day TEXT NOT NULL, chars BIGINT NOT NULL, PRIMARY KEY (guild_id, user_id, day))",
    # The bot-wide cap sums one day over every guild.
    "CREATE INDEX IF NOT EXISTS char_usage_by_day ON char_usage (day)",
)

# Budget reservation as one call (see settings.RESERVE_USAGE_SQL, written out here because a
# released migration must not change). Under READ COMMITTED one INSERT ... SELECT reads the usage
# sums from its statement's snapshot, so two reservations could both pass; a VOLATILE function
# takes a fresh snapshot per statement, and its second statement runs after the lock.
_RESERVE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION vocu_reserve_chars(bigint, bigint, text, bigint, bigint, bigint,"
    " bigint) RETURNS bigint LANGUAGE sql VOLATILE AS $fn$"
    " SELECT pg_advisory_xact_lock(hashtext('vocu_reserve_chars'));"
    " INSERT INTO char_usage (guild_id, user_id, day, chars) SELECT $1, $2, $3, $4"
    " WHERE ($5 IS NULL OR $4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE guild_id = $1 AND day = $3) <= $5)"
    " AND ($6 IS NULL OR $4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE guild_id = $1 AND user_id = $2 AND day = $3) <= $6)"
    " AND ($7 IS NULL OR $4 + (SELECT COALESCE(SUM(chars), 0) FROM char_usage"
    " WHERE day = $3) <= $7)"
    " ON CONFLICT (guild_id, user_id, day) DO UPDATE SET chars = char_usage.chars + excluded.chars"
    " RETURNING char_usage.chars;"
    " $fn$"
)

# Every change to a cached settings row, by any process (or by hand in psql), tells every bot
# process which cache entry to drop. The payload is the cache key: guild:G, user:G:U, words:G.
SETTINGS_CHANNEL = "vocu_settings"
_NOTIFY_FUNCTION = (
    "CREATE OR REPLACE FUNCTION vocu_notify_settings() RETURNS trigger LANGUAGE plpgsql AS $fn$"
    " DECLARE row record;"
    " BEGIN"
    " IF TG_OP = 'DELETE' THEN row := OLD; ELSE row := NEW; END IF;"
    " IF TG_TABLE_NAME = 'guild_settings' THEN"
    "  PERFORM pg_notify('vocu_settings', 'guild:' || row.guild_id);"
    " ELSIF TG_TABLE_NAME = 'user_settings' THEN"
    "  PERFORM pg_notify('vocu_settings', 'user:' || row.guild_id || ':' || row.user_id);"
    " ELSE"
    "  PERFORM pg_notify('vocu_settings', 'words:' || row.guild_id);"
    " END IF;"
    " RETURN NULL;"
    " END $fn$"
)
_NOTIFY_TRIGGERS: tuple[str, ...] = tuple(
    f"CREATE TRIGGER vocu_notify_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
    " FOR EACH ROW EXECUTE FUNCTION vocu_notify_settings()"
    for table in ("guild_settings", "user_settings", "pronunciations")
)


_GATEWAY_IDENTIFY = (
    "CREATE TABLE gateway_identify (bucket INTEGER PRIMARY KEY, identified_at TIMESTAMPTZ NOT NULL)"
)
_BOT_STATE = "CREATE TABLE IF NOT EXISTS bot_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, backend: Backend) -> tuple[str, ...]:
        return self.sqlite if backend == "sqlite" else self.postgres


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "settings, pronunciations and usage tables", _TABLES, (*_TABLES, _RESERVE_FUNCTION)
    ),
    # SQLite serves one process, so it has nobody to notify: the version is recorded all the same.
    Migration(
        2, "notify other processes of settings changes", (), (_NOTIFY_FUNCTION, *_NOTIFY_TRIGGERS)
    ),
    # The bot's own bookkeeping, e.g. the hash of the command tree last uploaded to Discord.
    # IF NOT EXISTS: bots from before migrations created it too.
    Migration(3, "bot state", (_BOT_STATE,), (_BOT_STATE,)),
    # When each identify bucket last logged in, so processes space their shards' logins (see
    # identify_gate). A SQLite file serves one process, which keeps that in memory.
    Migration(4, "gateway login turns", (), (_GATEWAY_IDENTIFY,)),
)
LATEST_VERSION = MIGRATIONS[-1].version


class SchemaError(Exception):
    """The database's schema does not fit this bot; the message is one line for the operator."""


class SchemaTooNewError(SchemaError):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"the database schema is at version {found}, newer than this bot's {LATEST_VERSION}: "
            "upgrade vocu-discord-bot (an older bot could damage newer data)"
        )


class SchemaOutdatedError(SchemaError):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"the database schema is at version {found}, this bot needs {LATEST_VERSION}: "
            "run `vocu-discord-bot migrate` (or start without --no-migrate)"
        )


class SchemaSession(Protocol):
    """One connection inside the schema lock's transaction (see each backend's ``schema_lock``)."""

    backend: Backend

    async def execute(self, sql: str) -> None: ...

    async def scalar(self, sql: str) -> object: ...

    async def table_exists(self, name: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class MigrationResult:
    before: int
    after: int

    def describe(self) -> str:
        if self.before == self.after:
            return f"the database schema is up to date (version {self.after})"
        return f"the database schema was upgraded from version {self.before} to {self.after}"


async def applied_version(session: SchemaSession) -> int:
    if not await session.table_exists(VERSION_TABLE):
        return 0
    found = await session.scalar(f"SELECT MAX(version) FROM {VERSION_TABLE}")
    return int(found) if found is not None else 0  # type: ignore[call-overload]


async def upgrade(session: SchemaSession, *, apply: bool = True) -> MigrationResult:
    """Bring the schema to LATEST_VERSION (or, with ``apply`` False, only check it is there).

    Must run inside the schema lock; always refuses a schema newer than this code.
    """
    before = await applied_version(session)
    if before > LATEST_VERSION:
        raise SchemaTooNewError(before)
    if before == LATEST_VERSION:
        return MigrationResult(before, before)
    if not apply:
        raise SchemaOutdatedError(before)
    await session.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE}"
        " (version INTEGER PRIMARY KEY, description TEXT NOT NULL)"
    )
    for migration in MIGRATIONS:
        if migration.version <= before:
            continue
        for statement in migration.statements(session.backend):
            await session.execute(statement)
        await session.execute(
            f"INSERT INTO {VERSION_TABLE} (version, description)"
            f" VALUES ({migration.version}, '{migration.description}')"
        )
    return MigrationResult(before, LATEST_VERSION)


async def migrate_database(database_url: str) -> str:
    """What ``vocu-discord-bot migrate`` does: create or upgrade the schema; one line back."""
    from .settings import open_settings  # noqa: PLC0415 - settings opens this module lazily too

    repository = await open_settings(database_url, migrate=False, check_schema=False)
    try:
        result = await repository.migrate_schema(apply=True)
    finally:
        await repository.close()
    return result.describe()
