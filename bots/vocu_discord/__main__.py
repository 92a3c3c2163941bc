"""`python -m vocu_discord` / `vocu-discord-bot`: run the bot configured by the environment.

Environment: DISCORD_TOKEN, VOCU_TOKEN (required); VOCU_BASE_URL, DATABASE_URL (default
sqlite:///vocu-bot.sqlite3), VOCU_DEFAULT_VOICE, BOT_OWNER_IDS, DISCORD_SYNC_GUILD,
BOT_DAILY_CHARS (optional).

Commands: run (the default) starts the bot, first applying pending database migrations unless
--no-migrate; migrate creates or upgrades the database schema (needs DATABASE_URL only) and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys

from vocu_client import __version__

from .config import BotConfig, ConfigError

EXIT_CONFIG = 2
EXIT_VOICE_STACK = 3
EXIT_DATABASE = 5
_PROG = "vocu-discord-bot"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{run,migrate}")
    run = commands.add_parser("run", help="start the bot (the default)")
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the database schema; refuse to start if it is out of date",
    )
    commands.add_parser("migrate", help="create or upgrade the database schema, then exit")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "migrate":
        return _migrate()
    try:
        import discord  # noqa: F401, PLC0415 - a plain `pip install vocu-voice` has no discord.py
    except ModuleNotFoundError:
        return _fail(
            "discord.py is not installed; "
            "install the [discord] extra: pip install 'vocu-voice[discord]'",
            EXIT_CONFIG,
        )
    try:
        config = BotConfig.from_env()
    except ConfigError as error:
        return _fail(str(error), EXIT_CONFIG)
    if getattr(args, "no_migrate", False):
        config = dataclasses.replace(config, migrate_schema=False)
    from .selfcheck import ensure_voice_stack  # noqa: PLC0415 - after config, it loads libraries

    try:
        ensure_voice_stack()
    except Exception as error:
        return _fail(f"the voice stack is not usable: {error}", EXIT_VOICE_STACK)
    from .bot import run_bot  # noqa: PLC0415
    from .logging_setup import setup_logging  # noqa: PLC0415
    from .migrations import SchemaError  # noqa: PLC0415

    setup_logging()
    try:
        asyncio.run(run_bot(config))
    except SchemaError as error:
        return _fail(str(error), EXIT_DATABASE)
    return 0


def _migrate() -> int:
    from .migrations import SchemaError, migrate_database  # noqa: PLC0415
    from .settings import DEFAULT_DATABASE_URL  # noqa: PLC0415

    database_url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        line = asyncio.run(migrate_database(database_url))
    except (SchemaError, ValueError) as error:
        return _fail(str(error), EXIT_DATABASE)
    except OSError as error:  # the server cannot be reached; the URL may hold a password
        return _fail(f"the database cannot be reached: {type(error).__name__}", EXIT_DATABASE)
    except Exception as error:  # e.g. asyncpg's: the server refused (no such database, role...)
        detail = str(error).replace(database_url, "DATABASE_URL")
        return _fail(f"the database refused: {type(error).__name__}: {detail}", EXIT_DATABASE)
    print(f"{_PROG}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
