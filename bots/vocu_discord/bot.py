"""The runnable bot: shards, intents, extension loading, command sync, clean shutdown on SIGTERM.

It is an `AutoShardedBot` always: with no shard settings Discord's recommended count runs in this
one process (one shard for most bots); ``DISCORD_SHARD_COUNT`` / ``DISCORD_CLUSTER_*`` hand this
process its share (see config). Every shard's login waits for its turn at the identify gate.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from .cog_support import answer_command_error
from .command_sync import sync_commands
from .config import BotConfig
from .identify_gate import IdentifyGate, identify_gate_for
from .migrations import SchemaError
from .services import BotServices
from .startup import EXIT_DATABASE, StartupError, describe_voice_account

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


CommandSync = Literal["auto", "force", "never"]


class VocuBot(commands.AutoShardedBot):
    def __init__(
        self,
        config: BotConfig,
        *,
        services: BotServices | None = None,
        command_sync: CommandSync = "auto",
        identify_gate: IdentifyGate | None = None,
        **options: Any,
    ) -> None:
        gate = identify_gate or identify_gate_for(config.database_url, config.identify_interval)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            tree_cls=VocuCommandTree,
            shard_count=config.shard_count,
            shard_ids=config.shard_ids,
            # discord.py's 180 s per shard includes our wait for a turn, which may come after
            # every other shard of the bucket, in every process, has logged in.
            shard_connect_timeout=180.0 + (config.shard_count or 1) * gate.spacing,
            **options,  # e.g. connector= (tests point it at a loopback Discord)
        )
        self.config = config
        self.vocu_services: BotServices | None = services
        self.command_sync: CommandSync = command_sync
        self.identify_gate = gate

    async def connect(self, *, reconnect: bool = True) -> None:
        # With shard_count set discord.py never asks /gateway/bot, which alone tells how many
        # logins may run at once (max_concurrency, > 1 for large bots).
        limits = await self.fetch_session_start_limits()
        self.identify_gate.max_concurrency = max(1, limits.max_concurrency)
        if self.config.shard_count is not None:
            _LOGGER.info(
                "Running %s; logins %d at a time, %.1f s apart",
                self.config.describe_shards(),
                self.identify_gate.max_concurrency,
                self.identify_gate.spacing,
            )
        await super().connect(reconnect=reconnect)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Instead of discord.py's 5 s per login of this process: a turn per bucket, shared."""
        await self.identify_gate.wait_turn(shard_id or 0)

    async def setup_hook(self) -> None:
        if self.vocu_services is None:
            self.vocu_services = await open_services(self.config)
        await self.load_extension("vocu_discord")
        if not self.vocu_services.owner_ids:
            self.vocu_services.owner_ids.update(await self._application_owner_ids())
        if self.command_sync == "never":
            return
        if self.command_sync == "auto" and self.config.cluster_index != 0:
            # One tree for the whole application: N processes starting together would each
            # upload it (and spend the application's command rate limit). Process 0 does.
            _LOGGER.info("Commands are uploaded by cluster process 0, not this one")
            return
        assert self.application_id is not None  # known after login
        try:
            await sync_commands(
                self.tree,
                self.vocu_services.settings,
                self.application_id,
                self.config.sync_guild_id,
                force=self.command_sync == "force",
            )
        except discord.HTTPException as error:
            if self.command_sync == "force":
                raise
            # Not a reason to stay offline: Discord still has the commands of the last upload.
            _LOGGER.error(
                "Uploading the commands failed (HTTP %s, code %s); running with the ones "
                "Discord already has (retry with: vocu-discord-bot sync)",
                error.status,
                error.code,
            )

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


async def open_services(config: BotConfig, *, sole_process: bool = True) -> BotServices:
    """The database and the voice client; a database that cannot be opened is one line.

    ``sole_process`` False: not the bot itself (`check`), which may run beside it on SQLite.
    """
    try:
        return await BotServices.from_config(config, sole_process=sole_process)
    except SchemaError as error:  # already one line: old/newer schema, or a second SQLite bot
        raise StartupError(str(error), EXIT_DATABASE) from None
    except Exception as error:  # sqlite3 / asyncpg / OSError: all mean "fix DATABASE_URL"
        first_line = (str(error).splitlines() or [""])[0][:200]
        raise StartupError(
            f"the database (DATABASE_URL) cannot be opened: {type(error).__name__}: {first_line}",
            EXIT_DATABASE,
        ) from None


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


async def run_bot(config: BotConfig, *, command_sync: CommandSync = "auto") -> None:
    services = await open_services(config)
    try:
        _LOGGER.info(await describe_voice_account(services.client, config.base_url))
    except BaseException:
        await services.aclose()
        raise
    bot = VocuBot(config, services=services, command_sync=command_sync)
    uninstall = install_shutdown_signals(bot)
    try:
        async with bot:
            await bot.start(config.discord_token)
    finally:
        await uninstall()


async def sync_once(config: BotConfig) -> None:
    """`vocu-discord-bot sync`: log in (no gateway), upload the commands, leave."""
    services = await open_services(config, sole_process=False)  # beside a running bot
    bot = VocuBot(config, services=services, command_sync="force")
    async with bot:
        await bot.login(config.discord_token)  # runs setup_hook, which uploads
