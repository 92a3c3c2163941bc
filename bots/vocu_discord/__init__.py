"""vocu_discord: a discord.py extension (``await bot.load_extension("vocu_discord")``) and bot.

The extension adds two cogs: `/tts` (everyone) and `/tts-admin` (Manage Server by default).

A bot that built `BotServices` itself puts them on ``bot.vocu_services`` before loading; any other
bot gets services built from the environment (VOCU_TOKEN, VOCU_BASE_URL, DATABASE_URL, ...), owned
and closed by the cog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    # Imported here so `import vocu_discord` stays light (the CLI and tests import submodules).
    from .cog import VocuCog  # noqa: PLC0415
    from .cog_admin import VocuAdminCog  # noqa: PLC0415
    from .config import BotConfig  # noqa: PLC0415
    from .services import BotServices  # noqa: PLC0415

    services = getattr(bot, "vocu_services", None)
    owns_services = services is None
    if services is None:
        services = await BotServices.from_config(BotConfig.from_env(require_discord=False))
    try:
        await bot.add_cog(VocuCog(bot, services, owns_services=owns_services))
    except BaseException:
        if owns_services:
            await services.aclose()
        raise
    try:
        await bot.add_cog(VocuAdminCog(bot, services))
    except BaseException:
        await bot.remove_cog("tts")  # its unload closes the services it owns
        raise
