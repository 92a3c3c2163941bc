"""Gateway events of the `/tts` cog: auto-read, leaving empty channels, idling, re-joining."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands
from vocu_client import errors

from .autoread import Decision, IncomingMessage, Skip
from .budget import BudgetExhaustedError
from .cog_base import CogBase
from .cog_support import names_from_message
from .feedback import MESSAGES, ErrorKind, SpeechRefusedError, classify, reaction, user_message
from .lifecycle import (
    ReconnectBudget,
    VoiceCloseAction,
    VoiceConnectError,
    action_for_close,
    close_reason,
    humans_remain,
)
from .speaker import SpeechRequest

_LOGGER = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 30.0
SPEECH_ERRORS = (
    SpeechRefusedError,
    BudgetExhaustedError,
    errors.VoiceServiceError,
    VoiceConnectError,
)


class AutoReadEvents(CogBase):
    _rejoined = False
    _reconnects: ReconnectBudget

    async def join_channel(
        self, guild: Any, channel: Any, text_channel_id: int | None = None
    ) -> None:
        raise NotImplementedError  # provided by the cog

    async def leave_guild(self, guild: Any, *, forget_channel: bool) -> bool:
        raise NotImplementedError  # provided by the cog

    async def connect_voice(self, guild: Any, channel: Any, *, reconnecting: bool = False) -> Any:
        raise NotImplementedError  # provided by the cog

    # -- auto-read ------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.id == getattr(self.bot.user, "id", None):
            return
        await self.handle_message(message)

    async def handle_message(self, message: discord.Message) -> Decision:
        """Speak ``message`` if the guild's auto-read rules say so; failures react and notify."""
        services = self.services
        guild = message.guild
        assert guild is not None
        self.text_channels.remember(message.channel)
        guild_settings = await services.settings.get_guild(guild.id)
        bot_channel_id = self._bot_channel_id(guild.id)
        # Most messages are in channels nobody asked to be read: answer them from the guild's
        # cached row alone, with no look-up (or cache entry) per member.
        if not services.auto_reader.reads_channel(
            message.channel.id, guild_settings, bot_channel_id
        ):
            return Decision(False, Skip.NOT_A_READ_CHANNEL)
        user = await services.settings.get_user(guild.id, message.author.id)
        author_voice = getattr(message.author, "voice", None)
        incoming = IncomingMessage(
            guild_id=guild.id,
            channel_id=message.channel.id,
            author_id=message.author.id,
            author_is_bot=message.author.bot,
            author_role_ids=frozenset(role.id for role in getattr(message.author, "roles", ())),
            author_voice_channel_id=author_voice.channel.id
            if author_voice and author_voice.channel
            else None,
            content=message.content,
            attachments=tuple(attachment.filename for attachment in message.attachments),
        )
        decision = services.auto_reader.decide(
            incoming, guild_settings, user, bot_voice_channel_id=bot_channel_id
        )
        if not decision.speak:
            if (
                decision.skip is Skip.NOT_IN_VOICE
                and guild_settings.not_in_voice_notice
                and services.idle_notices.first_time(guild.id, message.channel.id)
            ):
                with contextlib.suppress(discord.HTTPException):
                    await message.add_reaction(reaction(ErrorKind.NOT_IN_VOICE))
                    await message.channel.send(MESSAGES[ErrorKind.NOT_IN_VOICE])
            return decision
        try:
            if decision.join_channel_id is not None:
                await self.join_channel(guild, author_voice.channel, message.channel.id)
            await services.speaker.speak(
                SpeechRequest(
                    guild_id=guild.id,
                    author_id=message.author.id,
                    text=message.content,
                    channel_id=message.channel.id,
                    names=names_from_message(message),
                    attachments=incoming.attachments,
                    speaker_name=message.author.display_name,
                )
            )
            services.idle.touch(guild.id)
        except SPEECH_ERRORS as error:
            if classify(error) is not ErrorKind.EMPTY_TEXT:  # an emoji-only message: just silence
                await self.react_and_notice(message, error)
        return decision

    async def react_and_notice(self, message: discord.Message, error: Exception) -> None:
        """React on every failure; post a notice once per kind per channel per hour."""
        kind = classify(error)
        with contextlib.suppress(discord.HTTPException):
            await message.add_reaction(reaction(kind))
        if self.services.notices.allow(message.channel.id, kind):
            with contextlib.suppress(discord.HTTPException):
                await message.channel.send(user_message(error))

    def _bot_channel_id(self, guild_id: int) -> int | None:
        player = self.services.players.get(guild_id)
        channel = getattr(player.voice_client, "channel", None) if player else None
        return getattr(channel, "id", None)

    # -- leaving --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        guild = member.guild
        if self.services.players.get(guild.id) is None:
            return
        if member.id == getattr(self.bot.user, "id", None):
            # A channel of None is decided by how the voice connection closed (`on_voice_closed`):
            # discord.py's own reconnects pass through it too. A move by a moderator: follow.
            moved = getattr(before.channel, "id", None) != getattr(after.channel, "id", None)
            if after.channel is not None and moved:
                await self.services.settings.update_guild(
                    guild.id, voice_channel_id=after.channel.id
                )
            return
        bot_channel_id = self._bot_channel_id(guild.id)
        channel = before.channel
        if (
            channel is not None
            and channel.id == bot_channel_id
            and not humans_remain(channel.members)
        ):
            _LOGGER.info("Leaving voice in guild %s: only bots remain", guild.id)
            await self.leave_guild(guild, forget_channel=False)  # back when someone speaks

    # -- voice drops --------------------------------------------------------------------------

    async def on_voice_closed(self, voice_client: Any, code: int | None) -> None:
        """The voice connection closed: reconnect, report and stay out, or forget the channel."""
        guild = voice_client.guild
        player = self.services.players.get(guild.id)
        if player is None or player.voice_client is not voice_client:
            return  # we left on purpose (the player goes first), or an old connection
        action = action_for_close(code)
        if action in (VoiceCloseAction.ENDED, VoiceCloseAction.CHECK_VOICE_STATE):
            state = getattr(guild.me, "voice", None)
            if state is None or state.channel is None:  # kicked, or the channel was deleted
                _LOGGER.info("Removed from voice in guild %s (close %s)", guild.id, code)
                await self.leave_guild(guild, forget_channel=True)
                return
            action = VoiceCloseAction.RECONNECT
        if action is VoiceCloseAction.REPORT:
            await self._stay_out(guild, code)
            return
        await self._reconnect(guild, voice_client.channel, player, code)

    async def _stay_out(self, guild: Any, code: int | None) -> None:
        """A permanent refusal: leave, keep the saved channel, say so once (log and channel)."""
        reason = close_reason(code)
        _LOGGER.error("Voice in guild %s closed with %s (%s); staying out", guild.id, code, reason)
        await self.leave_guild(guild, forget_channel=False)
        await self._voice_notice(guild.id, f"I left the voice channel: {reason} ({code}).")

    async def _reconnect(self, guild: Any, channel: Any, player: Any, code: int | None) -> None:
        """Back to the same channel with backoff; the queue waits. Gives up after the budget."""
        player.voice_lost()
        while self._reconnects.allow(guild.id):
            delay = self._reconnects.backoff(guild.id)
            _LOGGER.warning(
                "Voice in guild %s closed with %s (%s); reconnecting in %.0f s",
                guild.id, code, close_reason(code), delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
            if self.services.players.get(guild.id) is not player:
                return  # left (or re-joined) meanwhile
            try:
                player.voice_restored(await self.connect_voice(guild, channel, reconnecting=True))
            except (VoiceConnectError, discord.DiscordException) as error:
                refused_with = getattr(error, "close_code", None)
                if action_for_close(refused_with) is VoiceCloseAction.REPORT:
                    # e.g. 4017 while reconnecting: every further attempt would be refused too.
                    await self._stay_out(guild, refused_with)
                    return
                _LOGGER.warning("Reconnecting voice in guild %s failed: %s", guild.id, error)
                code = None
                continue
            return
        _LOGGER.error(
            "Voice in guild %s keeps dropping; gave up (the next message re-joins)", guild.id
        )
        await self.leave_guild(guild, forget_channel=False)  # the saved channel stays

    async def _voice_notice(self, guild_id: int, text: str) -> None:
        """One message per guild and hour in the guild's text channel (if it has one)."""
        settings = await self.services.settings.get_guild(guild_id)
        channel_id = settings.text_channel_id
        if channel_id is None or not self.services.notices.allow(guild_id, ErrorKind.VOICE_CLOSED):
            return
        channel = self.text_channels.get(channel_id) or self.bot.get_channel(channel_id)
        if channel is not None:
            with contextlib.suppress(discord.HTTPException):
                await channel.send(text)

    async def leave_idle_guilds(self) -> list[int]:
        """Leave every guild whose player has been quiet longer than its inactivity timeout."""
        left = []
        for guild_id in self.services.idle.guild_ids():
            player = self.services.players.get(guild_id)
            if player is not None and (player.is_playing or player.queue_snapshot()):
                self.services.idle.touch(guild_id)
                continue
            settings = await self.services.settings.get_guild(guild_id)
            if self.services.idle.idle_for(guild_id) >= settings.inactivity_timeout_seconds:
                guild = self.bot.get_guild(guild_id) or discord.Object(id=guild_id)
                await self.leave_guild(guild, forget_channel=True)
                left.append(guild_id)
        return left

    async def idle_loop(self) -> None:
        while True:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            try:
                await self.leave_idle_guilds()
            except Exception:
                _LOGGER.exception("Checking for idle voice connections failed")

    # -- restart --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard's guilds are known: re-join those (once; a re-login finds the bot there)."""
        rejoined: set[int] = self.__dict__.setdefault("_rejoined_shards", set())
        if shard_id not in rejoined:
            rejoined.add(shard_id)
            await self.rejoin_saved_channels(shard_id=shard_id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # A sharded bot re-joined shard by shard; someone's plain `commands.Bot` loading the
        # cog has one connection and only this event.
        if not self._rejoined and not isinstance(self.bot, discord.AutoShardedClient):
            self._rejoined = True
            await self.rejoin_saved_channels()

    def manages_guild(self, guild_id: int, shard_id: int | None = None) -> bool:
        """Whether the guild is on one of this process's shards (``shard_id``: on that one)."""
        shard_count = getattr(self.bot, "shard_count", None)
        if not shard_count or shard_count <= 1:
            return shard_id in (None, 0)
        guild_shard = (guild_id >> 22) % shard_count  # Discord's rule
        if shard_id is not None:
            return guild_shard == shard_id
        shard_ids = getattr(self.bot, "shard_ids", None)
        return shard_ids is None or guild_shard in shard_ids

    async def rejoin_saved_channels(
        self, get_guild: Callable[[int], Any] | None = None, *, shard_id: int | None = None
    ) -> list[int]:
        """After a restart, go back where the bot was, if anyone is still there.

        Only guilds of this process's shards (of ``shard_id`` alone, if given): another
        process's guild is invisible here, and its saved channel is that process's to keep.
        """
        get_guild = get_guild or self.bot.get_guild
        joined = []
        for saved in await self.services.settings.guilds_with_voice_channel():
            if not self.manages_guild(saved.guild_id, shard_id):
                continue
            guild = get_guild(saved.guild_id)
            channel = guild.get_channel(saved.voice_channel_id or 0) if guild else None
            if (
                guild is None
                or channel is None
                or not humans_remain(getattr(channel, "members", []))
            ):
                await self.services.settings.update_guild(saved.guild_id, voice_channel_id=None)
                continue
            try:
                await self.join_channel(guild, channel, saved.text_channel_id)
                joined.append(guild.id)
            except (VoiceConnectError, discord.DiscordException) as error:
                _LOGGER.warning("Could not re-join voice in guild %s: %s", guild.id, error)
        _LOGGER.info(
            "Re-joined %d saved voice channel(s)%s",
            len(joined),
            "" if shard_id is None else f" on shard {shard_id}",
        )
        return joined
