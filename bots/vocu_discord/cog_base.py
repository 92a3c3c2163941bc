"""What every part of the `/tts` cog shares: the services, permission gates, autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from .cog_support import reply

if TYPE_CHECKING:
    from discord.ext import commands

    from .cog_support import RecentChannels
    from .services import BotServices


class CogBase:
    bot: commands.Bot
    services: BotServices
    text_channels: RecentChannels

    async def voice_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.services.catalog.voice_choices(current)

    async def style_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Styles of the voice picked in the same command, else of the caller's own voice."""
        voice_id = getattr(interaction.namespace, "voice", None)
        if not voice_id and interaction.guild_id:
            user = await self.services.settings.get_user(interaction.guild_id, interaction.user.id)
            voice_id = user.voice_id
        return await self.services.catalog.style_choices(voice_id, current)

    async def require_manager(self, interaction: discord.Interaction) -> bool:
        if interaction.permissions.manage_guild:
            return True
        await reply(interaction, "You need the Manage Server permission for that.")
        return False

    async def require_owner(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id in self.services.owner_ids:
            return True
        await reply(interaction, "Only the bot's owner manages voices (one account pays for all).")
        return False
