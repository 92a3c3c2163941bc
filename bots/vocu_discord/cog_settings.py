"""`/tts voice …`, `/tts settings …`, `/tts dictionary …` and `/tts manage …` subcommands."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands

from .cog_base import CogBase
from .cog_support import ConsentView, defer, errors_as_replies, reply
from .feedback import ErrorKind, SpeechRefusedError
from .settings import GuildSettings
from .voices import style_exists

_LOGGER = logging.getLogger(__name__)

MAX_SAMPLE_BYTES = 20 * 1024 * 1024


class VoiceCommands(CogBase):
    voice = app_commands.Group(name="voice", description="Your own voice, style, speed and name")

    @voice.command(name="set", description="Choose the voice you speak with")
    @app_commands.autocomplete(voice=CogBase.voice_autocomplete, style=CogBase.style_autocomplete)
    async def voice_set(
        self,
        interaction: discord.Interaction,
        voice: str,
        style: str | None = None,
        speed: app_commands.Range[float, 0.5, 2.0] | None = None,
    ) -> None:
        if not await defer(interaction):  # the voice list may have to be fetched
            return
        async with errors_as_replies(interaction):
            chosen = await self.services.catalog.get(voice)
            if chosen is None or (style and not style_exists(chosen, style)):
                raise SpeechRefusedError(ErrorKind.UNKNOWN_VOICE)
            await self.services.settings.update_user(
                interaction.guild_id or 0,
                interaction.user.id,
                voice_id=chosen.id,
                style_id=style,
                speed=speed,
            )
            await reply(interaction, f"You now speak as {chosen.name}.")

    @voice.command(name="reset", description="Go back to the server's default voice")
    async def voice_reset(self, interaction: discord.Interaction) -> None:
        await self.services.settings.update_user(
            interaction.guild_id or 0, interaction.user.id, voice_id=None, style_id=None, speed=None
        )
        await reply(interaction, "Your voice is back to the server default.")

    @voice.command(name="name", description="How your name is spoken (empty: display name)")
    async def voice_name(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        await self.services.settings.update_user(
            interaction.guild_id or 0, interaction.user.id, nickname=name
        )
        await reply(interaction, f"Your name is spoken as {name or 'your display name'}.")


class SettingsCommands(CogBase):
    settings = app_commands.Group(name="settings", description="Server settings (Manage Server)")

    async def _update(self, interaction: discord.Interaction, **changes: object) -> None:
        if not await self.require_manager(interaction):
            return
        await self.services.settings.update_guild(interaction.guild_id or 0, **changes)
        shown = ", ".join(f"{key.replace('_', ' ')} = {value}" for key, value in changes.items())
        await reply(interaction, f"Saved: {shown}.")

    @settings.command(name="show", description="Show this server's settings")
    async def settings_show(self, interaction: discord.Interaction) -> None:
        if not await self.require_manager(interaction):
            return
        current = await self.services.settings.get_guild(interaction.guild_id or 0)
        lines = [
            f"{name}: {getattr(current, name)}"
            for name in GuildSettings.__dataclass_fields__
            if name != "guild_id"
        ]
        await reply(interaction, "\n".join(lines))

    @settings.command(name="autoread", description="Read every message posted in a channel")
    async def settings_autoread(
        self, interaction: discord.Interaction, channel: discord.TextChannel, enabled: bool = True
    ) -> None:
        current = await self.services.settings.get_guild(interaction.guild_id or 0)
        ids = [i for i in current.autoread_channel_ids if i != channel.id]
        ids += [channel.id] if enabled else []
        await self._update(interaction, autoread_channel_ids=tuple(ids))

    @settings.command(name="voice-chat", description="Also read the voice channel's own chat")
    async def settings_voice_chat(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._update(interaction, read_voice_chat=enabled)

    @settings.command(
        name="voice-members-only", description="Only read members who are in my voice channel"
    )
    async def settings_voice_members_only(
        self, interaction: discord.Interaction, enabled: bool
    ) -> None:
        await self._update(interaction, voice_members_only=enabled)

    @settings.command(
        name="not-in-voice-notice", description='Say "I am not in a voice channel" once per channel'
    )
    async def settings_not_in_voice_notice(
        self, interaction: discord.Interaction, enabled: bool
    ) -> None:
        await self._update(interaction, not_in_voice_notice=enabled)

    @settings.command(name="autojoin", description="Join the author's channel on a first message")
    async def settings_autojoin(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._update(interaction, auto_join=enabled)

    @settings.command(name="announce", description='Say "Alice said" before messages')
    async def settings_announce(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._update(interaction, announce_names=enabled)

    @settings.command(name="default-voice", description="The server's default voice")
    @app_commands.autocomplete(voice=CogBase.voice_autocomplete, style=CogBase.style_autocomplete)
    async def settings_default_voice(
        self, interaction: discord.Interaction, voice: str | None = None, style: str | None = None
    ) -> None:
        if not await self.require_manager(interaction) or not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            if voice:
                chosen = await self.services.catalog.get(voice)
                if chosen is None or (style and not style_exists(chosen, style)):
                    raise SpeechRefusedError(ErrorKind.UNKNOWN_VOICE)
            await self._update(interaction, default_voice_id=voice, default_style_id=style)

    @settings.command(name="limits", description="Longest message read, in characters and seconds")
    async def settings_limits(
        self,
        interaction: discord.Interaction,
        max_chars: app_commands.Range[int, 10, 2000],
        max_seconds: app_commands.Range[int, 3, 300] | None = None,
    ) -> None:
        if max_seconds is None:  # left out: keep the current limit, do not reset it to 30
            await self._update(interaction, max_chars=max_chars)
        else:
            await self._update(interaction, max_chars=max_chars, max_seconds=max_seconds)

    @settings.command(name="role", description="Only read members with this role (empty: all)")
    async def settings_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        await self._update(interaction, required_role_id=role.id if role else None)

    @settings.command(name="ignore-bots", description="Do not read messages from bots")
    async def settings_ignore_bots(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._update(interaction, ignore_bots=enabled)

    @settings.command(name="cooldown", description="Seconds between two messages of one member")
    async def settings_cooldown(
        self, interaction: discord.Interaction, seconds: app_commands.Range[float, 0, 3600]
    ) -> None:
        await self._update(interaction, cooldown_seconds=seconds)

    @settings.command(name="budget", description="Daily characters per server and per member")
    async def settings_budget(
        self,
        interaction: discord.Interaction,
        server_daily: app_commands.Range[int, 0] | None = None,
        member_daily: app_commands.Range[int, 0] | None = None,
    ) -> None:
        await self._update(
            interaction, guild_daily_chars=server_daily, user_daily_chars=member_daily
        )

    @settings.command(name="queue", description="Queue size and what happens when it is full")
    async def settings_queue(
        self,
        interaction: discord.Interaction,
        overflow: Literal["drop_oldest", "refuse"],
        max_queue: app_commands.Range[int, 1, 200] = 20,
    ) -> None:
        # Applies from the next join: the running player keeps its queue.
        await self._update(interaction, overflow=overflow, max_queue=max_queue)

    @settings.command(name="emoji", description="Skip custom emoji instead of saying their names")
    async def settings_emoji(self, interaction: discord.Interaction, skip: bool) -> None:
        await self._update(interaction, skip_emoji=skip)

    @settings.command(name="idle", description="Leave after this many quiet minutes")
    async def settings_idle(
        self, interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 1440]
    ) -> None:
        await self._update(interaction, inactivity_timeout_seconds=minutes * 60)


class DictionaryCommands(CogBase):
    dictionary = app_commands.Group(name="dictionary", description="How words are pronounced")

    @dictionary.command(name="add", description="Say a word differently (Manage Server)")
    async def dictionary_add(
        self,
        interaction: discord.Interaction,
        word: app_commands.Range[str, 1, 60],
        replacement: app_commands.Range[str, 1, 120],
    ) -> None:
        if not await self.require_manager(interaction):
            return
        await self.services.settings.set_pronunciation(interaction.guild_id or 0, word, replacement)
        await reply(interaction, f"“{word}” is now said as “{replacement}”.")

    @dictionary.command(name="remove", description="Forget a pronunciation (Manage Server)")
    async def dictionary_remove(self, interaction: discord.Interaction, word: str) -> None:
        if not await self.require_manager(interaction):
            return
        removed = await self.services.settings.remove_pronunciation(interaction.guild_id or 0, word)
        await reply(interaction, "Removed." if removed else f"“{word}” is not in the dictionary.")

    @dictionary.command(name="list", description="Show the pronunciation dictionary")
    async def dictionary_list(self, interaction: discord.Interaction) -> None:
        entries = await self.services.settings.pronunciations(interaction.guild_id or 0)
        text = "\n".join(f"{word} → {spoken}" for word, spoken in entries.items())
        await reply(interaction, text[:1900] or "The dictionary is empty.")


class ManageCommands(CogBase):
    manage = app_commands.Group(name="manage", description="Voice management (bot owner only)")

    @manage.command(name="clone", description="Clone a voice from an audio sample (owner only)")
    async def manage_clone(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40],
        sample: discord.Attachment,
    ) -> None:  # fmt: skip
        if not await self.require_owner(interaction):
            return
        if sample.size > MAX_SAMPLE_BYTES:
            await reply(interaction, "That sample is too big (20 MB at most).")
            return
        view = ConsentView(interaction.user.id)
        await interaction.response.send_message(
            f"Clone “{name}” from {sample.filename}? Only do this with the speaker's consent.",
            view=view,
            ephemeral=True,
        )
        if await view.wait() or not view.confirmed:  # wait() is True on timeout
            return
        async with errors_as_replies(interaction):
            created = await self.services.client.clone_voice(
                name, await sample.read(), filename=sample.filename
            )
            self.services.catalog.invalidate()
            client = self.services.client
            # MiniMax drops clones nobody speaks with: say so where the owner just cloned.
            note = f" Note: {client.info.note}." if client.name == "minimax_official" else ""
            await reply(
                interaction,
                f"Created voice {created.name} ({created.id}): {created.status}.{note}",
            )

    @manage.command(name="delete", description="Delete a voice (owner only)")
    @app_commands.autocomplete(voice=CogBase.voice_autocomplete)
    async def manage_delete(self, interaction: discord.Interaction, voice: str) -> None:
        if not await self.require_owner(interaction) or not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            await self.services.client.delete_voice(voice)
            self.services.catalog.invalidate()
            await reply(interaction, "Voice deleted.")
