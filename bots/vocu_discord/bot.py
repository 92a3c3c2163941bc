"""The runnable bot: intents, extension loading, command sync, clean shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from .cog_support import answer_command_error
from .config import BotConfig
from .services import BotServices

_LOGGER = logging.getLogger(__name__)


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True  # leave when only bots remain
    intents.guild_messages = True
    intents.message_content = True  # privileged: auto-read needs the text of messages
    return intents


class VocuCommandTree(app_commands.CommandTree):
    """Every failed command, ours or not, gets a short answer instead of Discord's timeout."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await answer_command_error(interaction, error)


class VocuBot(commands.Bot):
    def __init__(self, config: BotConfig, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            tree_cls=VocuCommandTree,
            **options,  # e.g. connector= (tests point it at a loopback Discord)
        )
        self.config = config
        self.vocu_services: BotServices | None = None

    async def setup_hook(self) -> None:
        self.vocu_services = await BotServices.from_config(self.config)
        await self.load_extension("vocu_discord")
        if not self.vocu_services.owner_ids:
            self.vocu_services.owner_ids.update(await self._application_owner_ids())
        if self.config.sync_guild_id:
            guild = discord.Object(id=self.config.sync_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def _application_owner_ids(self) -> set[int]:
        info = await self.application_info()
        if info.team is not None:
            return {member.id for member in info.team.members}
        return {info.owner.id}

    async def close(self) -> None:
        """Unload the cog (players stop, FFmpeg reaped), disconnect, then close our services."""
        try:
            await super().close()
        finally:
            if self.vocu_services is not None:
                await self.vocu_services.aclose()
                self.vocu_services = None


SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def install_shutdown_signals(bot: commands.Bot) -> Callable[[], Awaitable[None]]:
    """Close ``bot`` on SIGTERM/SIGINT; returns a coroutine function that uninstalls and waits.

    discord.py's `run` only handles KeyboardInterrupt; SIGTERM (systemd, docker stop) must also
    close voice connections and reap FFmpeg instead of killing the process mid-write.
    """
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()

    def request_close(signame: str) -> None:
        _LOGGER.info("%s received: leaving voice and shutting down", signame)
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for sig in SHUTDOWN_SIGNALS:
        loop.add_signal_handler(sig, request_close, sig.name)

    async def uninstall() -> None:
        for sig in SHUTDOWN_SIGNALS:
            loop.remove_signal_handler(sig)
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)

    return uninstall


async def run_bot(config: BotConfig) -> None:
    bot = VocuBot(config)
    uninstall = install_shutdown_signals(bot)
    try:
        async with bot:
            await bot.start(config.discord_token)
    finally:
        await uninstall()
