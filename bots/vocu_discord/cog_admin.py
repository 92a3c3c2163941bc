"""The `/tts-admin` command group: server settings, the dictionary's edits, voices, credits.

A top-level group of its own because Discord applies `default_member_permissions` only to
top-level commands: with Manage Server as the default, server admins can hand these commands to
other roles in Server Settings → Integrations. The runtime checks stay (a server may widen the
default, and `manage …` is for the bot's owner whatever the server says).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from vocu_client.providers import Capability

from .cog_base import CogBase
from .cog_settings import DictionaryAdminCommands, ManageCommands, SettingsCommands
from .cog_support import RecentChannels, answer_command_error, defer, errors_as_replies, reply
from .services import BotServices


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class VocuAdminCog(
    SettingsCommands,
    DictionaryAdminCommands,
    ManageCommands,
    CogBase,
    commands.GroupCog,
    # The cog's name must equal the group's: Bot.remove_cog removes the tree command by cog name.
    name="tts-admin",
    group_name="tts-admin",
    group_description="Manage the TTS bot in this server (Manage Server)",
):
    def __init__(self, bot: commands.Bot, services: BotServices) -> None:
        self.bot = bot
        self.services = services
        self.text_channels = RecentChannels()
        super().__init__()

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await answer_command_error(interaction, error)

    @app_commands.command(description="The voice account's credit balance (Manage Server)")
    async def credits(self, interaction: discord.Interaction) -> None:
        if not await self.require_manager(interaction):
            return
        provider = self.services.client
        if not provider.supports(Capability.ACCOUNT):
            await reply(interaction, f"Credits are not available for {provider.info.title}.")
            return
        if not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            account = await provider.get_account()
            guild = await self.services.settings.get_guild(interaction.guild_id or 0)
            guild_left, _ = await self.services.budget.remaining(guild, interaction.user.id)
            budget = (
                "no daily budget" if guild_left is None else f"{guild_left} characters left today"
            )
            await reply(interaction, f"Account credits: {account.credits:,.0f} ({budget}).")
