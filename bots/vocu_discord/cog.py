"""The `/tts` command group: each callback turns an interaction into calls on plain classes.

Rules live elsewhere (speaker, settings, budget, autoread, lifecycle); callbacks here only read
the interaction, call one of those, and answer in one short (ephemeral) message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from .cog_base import CogBase
from .cog_events import AutoReadEvents
from .cog_settings import DictionaryCommands, VoiceCommands
from .cog_support import (
    RecentChannels,
    answer_command_error,
    defer,
    errors_as_replies,
    names_for,
    names_from_message,
    reply,
)
from .control import NOT_ALLOWED, may_skip, may_steer
from .feedback import ErrorKind, SpeechRefusedError, classify, user_message
from .lifecycle import (
    VOICE_CONNECT_TIMEOUT,
    GuildLocks,
    ReconnectBudget,
    check_joinable,
    connect_with_policy,
)
from .services import BotServices
from .speaker import SpeechRequest
from .voices import voice_label

_LOGGER = logging.getLogger(__name__)

VOICES_PER_PAGE = 10


@app_commands.guild_only()
class VocuCog(
    AutoReadEvents,
    VoiceCommands,
    DictionaryCommands,
    CogBase,
    commands.GroupCog,
    # The cog's name must equal the group's: Bot.remove_cog removes the tree command by cog name.
    name="tts",
    group_name="tts",
    group_description="Speak text in voice channels with cloned voices",
):
    def __init__(
        self, bot: commands.Bot, services: BotServices, *, owns_services: bool = False
    ) -> None:
        self.bot = bot
        self.services = services
        self._owns_services = owns_services
        self._idle_task: asyncio.Task[None] | None = None
        self.text_channels = RecentChannels()  # where failed queue items are reported
        services.speaker.error_sink = self.report_failed_item
        self._join_locks = GuildLocks()
        self._reconnects = ReconnectBudget()
        self.speak_menu = app_commands.ContextMenu(
            name="Speak this message",
            callback=self.speak_message,
            # Servers only: a DM has no voice channel (Discord hid it nowhere before).
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )
        self.speak_menu.error(answer_command_error)
        super().__init__()

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await answer_command_error(interaction, error)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.speak_menu)
        await self.services.playback.start(self.bot)
        self._idle_task = asyncio.create_task(self.idle_loop(), name="vocu-idle-voice")

    async def cog_unload(self) -> None:
        """Stop the idle checker and every player (FFmpeg reaped); close owned services."""
        self.bot.tree.remove_command(self.speak_menu.name, type=self.speak_menu.type)
        if self._idle_task is not None:
            self._idle_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._idle_task
        if self._owns_services:
            await self.services.aclose()
        else:
            await self.services.players.aclose_all()

    # -- voice channel --------------------------------------------------------------------------

    @app_commands.command(description="Join your voice channel")
    async def join(self, interaction: discord.Interaction) -> None:
        if not await defer(interaction):  # connecting can take seconds
            return
        async with errors_as_replies(interaction):
            channel = _caller_voice_channel(interaction)
            current = self._bot_channel(interaction.guild_id or 0)
            if (
                current is not None
                and current.id != channel.id
                and not may_steer(interaction.permissions, interaction.user, current)
            ):
                await reply(interaction, f"I am in use in {current.name}. {NOT_ALLOWED}")
                return
            await self.join_channel(interaction.guild, channel, interaction.channel_id)
            await reply(interaction, f"Joined {channel.name}.")

    @app_commands.command(description="Leave the voice channel and forget the queue")
    async def leave(self, interaction: discord.Interaction) -> None:
        if not await self._require_steer(interaction):
            return
        if await self.leave_guild(interaction.guild, forget_channel=True):
            await reply(interaction, "Left the voice channel.")
        else:
            await reply(interaction, "I am not in a voice channel.")

    @app_commands.command(description="Say something in the voice channel")
    @app_commands.describe(text="What to say", voice="Voice (default: yours)", style="Style")
    @app_commands.autocomplete(voice=CogBase.voice_autocomplete, style=CogBase.style_autocomplete)
    async def say(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 2000],
        voice: str | None = None,
        style: str | None = None,
    ) -> None:
        if not await defer(interaction):  # expired: nobody would know it was accepted
            return
        async with errors_as_replies(interaction):
            await self._take_turn(interaction)
            self.text_channels.remember(interaction.channel)
            item = await self.services.speaker.speak(self._request(interaction, text, voice, style))
            self.services.idle.touch(interaction.guild_id or 0)
            await reply(interaction, f"Queued: {item.label}")

    @app_commands.command(description="Skip what is being said now")
    async def skip(self, interaction: discord.Interaction) -> None:
        player = self.services.players.get(interaction.guild_id or 0)
        current = player.current if player is not None else None
        if current is None:
            await reply(interaction, "Nothing is being said.")
            return
        bot_channel = self._bot_channel(interaction.guild_id or 0)
        if not may_skip(interaction.permissions, interaction.user, bot_channel, current.author_id):
            await reply(interaction, NOT_ALLOWED)
            return
        skipped = player is not None and player.skip()
        await reply(interaction, "Skipped." if skipped else "Nothing is being said.")

    @app_commands.command(description="Empty the speech queue")
    async def clear(self, interaction: discord.Interaction) -> None:
        if not await self._require_steer(interaction):
            return
        player = self.services.players.get(interaction.guild_id or 0)
        removed = player.clear() if player is not None else 0
        if player is not None:
            await player.reported()  # cleared items refunded before the bookkeeping sweep
        self.services.speaker.forget_vanished(interaction.guild_id or 0)
        await reply(interaction, f"Removed {removed} waiting item(s).")

    @app_commands.command(description="Show what is queued")
    async def queue(self, interaction: discord.Interaction) -> None:
        player = self.services.players.get(interaction.guild_id or 0)
        if player is None or (player.current is None and not player.queue_snapshot()):
            await reply(interaction, "The queue is empty.")
            return
        lines = [f"▶ {player.current.label}"] if player.current else []
        lines += [f"{n}. {item.label}" for n, item in enumerate(player.queue_snapshot(), 1)]
        await reply(interaction, _fit("\n".join(lines)))

    # -- voices, files, account -----------------------------------------------------------------

    @app_commands.command(description="List the voices this bot can speak with")
    async def voices(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 100] = 1
    ) -> None:
        if not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            voices = await self.services.catalog.voices()
            pages = max(1, -(-len(voices) // VOICES_PER_PAGE))
            page = min(page, pages)
            shown = voices[(page - 1) * VOICES_PER_PAGE : page * VOICES_PER_PAGE]
            lines = [
                f"• {voice_label(voice)} — {', '.join(s.name for s in voice.styles) or 'default'}"
                for voice in shown
            ]
            await reply(interaction, _fit(f"Voices (page {page}/{pages}):\n" + "\n".join(lines)))

    @app_commands.command(name="file", description="Get spoken text back as an MP3 file")
    @app_commands.autocomplete(voice=CogBase.voice_autocomplete, style=CogBase.style_autocomplete)
    async def file(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 2000],
        voice: str | None = None,
        style: str | None = None,
    ) -> None:
        # Deferred ephemerally, so refusals and failures stay private; only the file is public.
        if not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            request = self._request(interaction, text, voice, style)
            prepared = await self.services.speaker.prepare(request, announce=False)
            audio = await self.services.speaker.render_file(self.services.client, prepared)
            await interaction.edit_original_response(content="Your file is posted below.")
            await interaction.followup.send(
                file=discord.File(audio, filename="speech.mp3"), ephemeral=False
            )

    # -- privacy --------------------------------------------------------------------------------

    @app_commands.command(description="Stop (or resume) reading your messages aloud")
    async def optout(self, interaction: discord.Interaction, opted_out: bool = True) -> None:
        await self.services.settings.update_user(
            interaction.guild_id or 0, interaction.user.id, autoread_opt_out=opted_out
        )
        await reply(
            interaction,
            "Your messages are no longer read aloud here."
            if opted_out
            else "Your messages are read aloud again.",
        )

    @app_commands.command(description="Delete everything this bot stores about you")
    async def forget(self, interaction: discord.Interaction) -> None:
        removed = await self.services.settings.delete_user_data(
            interaction.user.id, self.services.budget.today()
        )
        await reply(
            interaction,
            f"Deleted your stored settings ({removed} server(s)). Kept until midnight UTC: "
            "today's character count (so budgets hold); kept for good: your opt-out, if set.",
        )

    # -- context menu ---------------------------------------------------------------------------

    async def speak_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if not await defer(interaction):
            return
        async with errors_as_replies(interaction):
            request = SpeechRequest(
                guild_id=interaction.guild_id or 0,
                author_id=interaction.user.id,  # the one asking pays from their budget
                text=message.content,
                channel_id=interaction.channel_id,
                names=names_from_message(message),  # resolved mentions: no cache, no REST call
                attachments=tuple(a.filename for a in message.attachments),
                speaker_name=message.author.display_name,
                quoted_author_id=message.author.id,
            )
            await self._take_turn(interaction)
            self.text_channels.remember(interaction.channel)
            item = await self.services.speaker.speak(request)
            await reply(interaction, f"Queued: {item.label}")

    # -- shared steps ---------------------------------------------------------------------------

    def _bot_channel(self, guild_id: int) -> Any:
        player = self.services.players.get(guild_id)
        return getattr(player.voice_client, "channel", None) if player else None

    async def _require_steer(self, interaction: discord.Interaction) -> bool:
        bot_channel = self._bot_channel(interaction.guild_id or 0)
        if may_steer(interaction.permissions, interaction.user, bot_channel):
            return True
        await reply(interaction, NOT_ALLOWED)
        return False

    async def _take_turn(self, interaction: discord.Interaction) -> None:
        """The server's per-member cooldown holds for commands as for auto-read."""
        guild = await self.services.settings.get_guild(interaction.guild_id or 0)
        if not self.services.auto_reader.take_turn(
            guild.guild_id, interaction.user.id, guild.cooldown_seconds
        ):
            raise SpeechRefusedError(
                ErrorKind.COOLDOWN,
                f"Slow down: this server reads one message per member every "
                f"{guild.cooldown_seconds:g} seconds.",
            )

    def _request(
        self, interaction: discord.Interaction, text: str, voice: str | None, style: str | None
    ) -> SpeechRequest:
        return SpeechRequest(
            guild_id=interaction.guild_id or 0,
            author_id=interaction.user.id,
            text=text,
            channel_id=interaction.channel_id,
            names=names_for(interaction.guild, text),
            speaker_name=interaction.user.display_name,
            voice_id=voice,
            style_id=style,
        )

    async def join_channel(
        self, guild: Any, channel: Any, text_channel_id: int | None = None
    ) -> None:
        """Connect (or move) to ``channel``, start the guild's player, remember the channel."""
        async with self._join_locks(guild.id):  # a second join waits, then finds the first
            await self._join_locked(guild, channel, text_channel_id)

    async def _join_locked(self, guild: Any, channel: Any, text_channel_id: int | None) -> None:
        services = self.services
        settings = await services.settings.get_guild(guild.id)
        player = services.players.get(guild.id)
        if player is not None and getattr(player.voice_client, "channel", None) == channel:
            return
        me = getattr(guild, "me", None)
        if me is not None:
            check_joinable(channel, me)
        if player is not None and hasattr(player.voice_client, "move_to"):
            await player.voice_client.move_to(channel)
        else:
            voice_client = await self.connect_voice(guild, channel)
            await services.players.create(
                guild.id,
                voice_client,
                max_queue=settings.max_queue,
                overflow=settings.overflow,
                on_error=services.speaker.on_error,
                on_played=services.speaker.on_played,
                on_dropped=services.speaker.on_dropped,
                on_interrupted=self.report_interrupted_item,
            )
        services.idle.touch(guild.id)
        services.idle_notices.joined(guild.id)
        await services.settings.update_guild(
            guild.id,
            voice_channel_id=channel.id,
            text_channel_id=text_channel_id or settings.text_channel_id,
        )

    async def connect_voice(self, guild: Any, channel: Any, *, reconnecting: bool = False) -> Any:
        """One connection under our policy; its closes come back to `on_voice_closed`."""
        voice_client_class = self.services.playback.voice_client_class
        voice_client = await connect_with_policy(
            lambda: channel.connect(
                cls=voice_client_class,
                reconnect=False,
                self_deaf=True,
                timeout=VOICE_CONNECT_TIMEOUT,
            ),
            guild_id=guild.id,
            reconnecting=reconnecting,
        )
        if isinstance(voice_client, voice_client_class):
            voice_client.on_closed = self.on_voice_closed
        return voice_client

    async def leave_guild(self, guild: Any, *, forget_channel: bool) -> bool:
        """Stop the player and disconnect; ``forget_channel`` prevents the re-join on restart."""
        services = self.services
        player = services.players.get(guild.id)
        voice_client = player.voice_client if player else getattr(guild, "voice_client", None)
        await services.players.remove(guild.id)
        services.speaker.forget_vanished(guild.id)
        services.idle.forget(guild.id)
        services.speaker.announcer.forget(guild.id)
        self._join_locks.forget(guild.id)
        if forget_channel:
            await services.settings.update_guild(guild.id, voice_channel_id=None)
        if voice_client is None:
            return False
        is_connected = getattr(voice_client, "is_connected", lambda: True)
        disconnect = getattr(voice_client, "disconnect", None)
        # A dropped connection is already gone; disconnecting it again would wait (15 s) for a
        # leave confirmation that never comes to a client discord.py has already forgotten.
        if disconnect is not None and is_connected():
            await disconnect(force=True)
        return True

    async def report_failed_item(self, item: Any, error: Exception) -> None:
        """A queued item failed: tell its channel once per kind and hour (the queue goes on)."""
        if item.channel_id is None:
            return
        kind = classify(error)
        if not self.services.notices.allow(item.channel_id, kind):
            return
        channel = self.text_channels.get(item.channel_id) or self.bot.get_channel(item.channel_id)
        if channel is not None:
            await channel.send(user_message(error))

    async def report_interrupted_item(self, item: Any) -> None:
        """A voice drop cut an item off: say so (once per channel and hour), never silently."""
        if item.channel_id is None or not self.services.notices.allow(
            item.channel_id, ErrorKind.VOICE_DROPPED
        ):
            return
        channel = self.text_channels.get(item.channel_id) or self.bot.get_channel(item.channel_id)
        if channel is not None:
            with contextlib.suppress(discord.HTTPException):
                await channel.send(user_message(SpeechRefusedError(ErrorKind.VOICE_DROPPED)))


def _caller_voice_channel(interaction: discord.Interaction) -> Any:
    state = getattr(interaction.user, "voice", None)
    if state is None or state.channel is None:
        raise SpeechRefusedError(ErrorKind.NOT_IN_VOICE, "Join a voice channel first.")
    return state.channel


def _fit(text: str, limit: int = 1900) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
