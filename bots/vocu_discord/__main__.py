"""`python -m vocu_discord` / `vocu-discord-bot`: run the bot configured by the environment.

Environment: DISCORD_TOKEN, VOCU_TOKEN (required); VOCU_BASE_URL, DATABASE_URL (default: SQLite in
VOCU_BOT_DATA_DIR, itself $XDG_DATA_HOME/vocu-discord), VOCU_DEFAULT_VOICE, BOT_OWNER_IDS,
DISCORD_SYNC_GUILD, BOT_DAILY_CHARS (optional); DISCORD_SHARD_COUNT, DISCORD_CLUSTER_COUNT and
DISCORD_CLUSTER_INDEX split the bot's shards over several processes (see config).

Commands: run (default) starts the bot and uploads the slash commands only when they changed;
sync [--guild ID] uploads them now; check tests the configuration, the voice stack, the database
and the voice account without connecting to Discord; migrate creates or upgrades the database
schema and exits (it needs DATABASE_URL only). run and check apply pending migrations themselves
unless run --no-migrate, which refuses an out-of-date schema instead. Every start-up failure is
one line on stderr and an exit code: 2 configuration, 3 voice stack, 4 Discord, 5 database,
6 voice service.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys

from vocu_client import __version__

from .config import BotConfig, ConfigError
from .startup import (
    EXIT_CONFIG,
    EXIT_DATABASE,
    EXIT_DISCORD,
    EXIT_VOICE_STACK,
    StartupError,
    prepare_data_dir,
)

__all__ = ["EXIT_CONFIG", "EXIT_VOICE_STACK", "main"]

_PROG = "vocu-discord-bot"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=__doc__.split("\n\n")[0],
        epilog="Exit codes: 2 configuration, 3 voice stack, 4 Discord, 5 database, 6 voice.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{run,sync,check,migrate}")
    run = commands.add_parser("run", help="start the bot (the default)")
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the database schema; refuse to start if it is out of date",
    )
    sync = commands.add_parser("sync", help="upload the slash commands to Discord now")
    sync.add_argument(
        "--guild",
        type=int,
        metavar="ID",
        help="only to this server (instant; removes the global copies so they do not show twice)",
    )
    commands.add_parser("check", help="check configuration, voice stack, database, voice account")
    commands.add_parser("migrate", help="create or upgrade the database schema, then exit")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # --help and --version end here, before any network
    command = args.command or "run"
    if command == "migrate":
        return _migrate()
    try:
        import discord  # noqa: PLC0415 - a plain `pip install vocu-voice` has no discord.py
    except ModuleNotFoundError:
        return _fail(
            "discord.py is not installed; install the [discord] extra: "
            "pip install 'vocu-voice[discord]'",
            EXIT_CONFIG,
        )
    try:
        config = BotConfig.from_env(require_discord=command != "check")
    except ConfigError as error:
        return _fail(str(error), EXIT_CONFIG)
    if command == "sync" and args.guild:
        config = dataclasses.replace(config, sync_guild_id=args.guild)
    if getattr(args, "no_migrate", False):
        config = dataclasses.replace(config, migrate_schema=False)
    from .selfcheck import ensure_voice_stack  # noqa: PLC0415 - after config, it loads libraries

    try:
        ensure_voice_stack()
    except Exception as error:
        return _fail(f"the voice stack is not usable: {error}", EXIT_VOICE_STACK)
    from .bot import run_bot, sync_once  # noqa: PLC0415
    from .logging_setup import setup_logging  # noqa: PLC0415

    setup_logging()
    try:
        prepare_data_dir(os.environ)
        if command == "check":
            asyncio.run(_check(config))
        elif command == "sync":
            asyncio.run(sync_once(config))
        else:
            asyncio.run(run_bot(config))
    except StartupError as error:
        return _fail(str(error), error.exit_code)
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "Discord refused the Message Content intent: enable it in the Developer Portal "
            "(Bot → Privileged Gateway Intents)",
            EXIT_DISCORD,
        )
    except discord.LoginFailure:
        return _fail("Discord refused DISCORD_TOKEN (Developer Portal → Bot → Token)", EXIT_DISCORD)
    except discord.HTTPException as error:
        return _fail(f"Discord answered HTTP {error.status} (code {error.code})", EXIT_DISCORD)
    except (OSError, discord.GatewayNotFound) as error:
        return _fail(f"Discord cannot be reached: {type(error).__name__}", EXIT_DISCORD)
    return 0


def _migrate() -> int:
    from .migrations import SchemaError, migrate_database  # noqa: PLC0415
    from .startup import default_database_url  # noqa: PLC0415

    database_url = os.environ.get("DATABASE_URL", "").strip() or default_database_url(os.environ)
    try:
        if database_url.startswith("sqlite://"):
            prepare_data_dir(os.environ)
        line = asyncio.run(migrate_database(database_url))
    except StartupError as error:
        return _fail(str(error), error.exit_code)
    except (SchemaError, ValueError) as error:
        return _fail(str(error), EXIT_DATABASE)
    except Exception as error:  # sqlite3 / asyncpg / OSError: the URL is wrong or unreachable
        detail = (str(error).splitlines() or [""])[0][:200].replace(database_url, "DATABASE_URL")
        return _fail(
            f"the database (DATABASE_URL) cannot be opened: {type(error).__name__}: {detail}",
            EXIT_DATABASE,
        )
    print(f"{_PROG}: {line}")
    return 0


async def _check(config: BotConfig) -> None:
    from .bot import open_services  # noqa: PLC0415
    from .startup import describe_voice_account  # noqa: PLC0415

    services = await open_services(config, sole_process=False)  # may run beside the bot
    try:
        line = await describe_voice_account(services.client, config.base_url)
    finally:
        await services.aclose()
    logging.getLogger(__name__).info("Database opened")
    print(
        f"{_PROG}: configuration, voice stack and database are fine; {line}; "
        f"this process runs {config.describe_shards()}"
    )


if __name__ == "__main__":
    sys.exit(main())
