"""`python -m vocu_discord` / `vocu-discord-bot`: run the bot configured by the environment.

Environment: DISCORD_TOKEN, VOCU_TOKEN (required); VOCU_BASE_URL, DATABASE_URL (default
sqlite:///vocu-bot.sqlite3), VOCU_DEFAULT_VOICE, BOT_OWNER_IDS, DISCORD_SYNC_GUILD,
BOT_DAILY_CHARS (optional).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from vocu_client import __version__

from .config import BotConfig, ConfigError

EXIT_CONFIG = 2
EXIT_VOICE_STACK = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vocu-discord-bot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.parse_args(argv)
    try:
        import discord  # noqa: F401, PLC0415 - a plain `pip install vocu-voice` has no discord.py
    except ModuleNotFoundError:
        print(
            "vocu-discord-bot: discord.py is not installed; "
            "install the [discord] extra: pip install 'vocu-voice[discord]'",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        config = BotConfig.from_env()
    except ConfigError as error:
        print(f"vocu-discord-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    from .selfcheck import ensure_voice_stack  # noqa: PLC0415 - after config, it loads libraries

    try:
        ensure_voice_stack()
    except Exception as error:
        print(f"vocu-discord-bot: the voice stack is not usable: {error}", file=sys.stderr)
        return EXIT_VOICE_STACK
    from .bot import run_bot  # noqa: PLC0415
    from .logging_setup import setup_logging  # noqa: PLC0415

    setup_logging()
    asyncio.run(run_bot(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
