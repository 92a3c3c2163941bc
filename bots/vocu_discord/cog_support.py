"""Small helpers between discord.py objects and the bot's plain classes."""

from __future__ import annotations

import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands
from vocu_client import errors

from .budget import BudgetExhaustedError
from .feedback import SpeechRefusedError, user_message
from .lifecycle import VoiceConnectError
from .normalise import NameContext

_LOGGER = logging.getLogger(__name__)

_USER_IDS = re.compile(r"<@!?(\d+)>")
_ROLE_IDS = re.compile(r"<@&(\d+)>")
_CHANNEL_IDS = re.compile(r"<#(\d+)>")


async def reply(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """An ephemeral answer, whether or not the interaction was already answered or deferred."""
    kwargs.setdefault("ephemeral", True)
    if interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def defer(interaction: discord.Interaction) -> bool:
    """Acknowledge now (Discord's 3 s) before any slow work; False if it expired already.

    A False answer means nobody will ever see a reply, so the caller must do nothing (a
    `/tts say` queued after an expired interaction would be spoken and billed unseen).
    """
    if interaction.response.is_done():
        return True
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
    except discord.NotFound:
        _LOGGER.warning("Interaction %s expired before it was acknowledged", interaction.id)
        return False
    return True


_ANSWERED = "vocu_error_answered"
_GENERIC_FAILURE = "Something went wrong; the bot owner can find the details in the log."


async def answer_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The one place a failed command reaches its user: one short sentence, never silence."""
    if interaction.extras.get(_ANSWERED):
        return  # the cog's handler answered; the tree's runs after it
    interaction.extras[_ANSWERED] = True
    original = getattr(error, "original", error)
    match original:
        case SpeechRefusedError() | BudgetExhaustedError() | errors.VoiceServiceError():
            message = user_message(original)
        case VoiceConnectError():
            message = str(original)
        case app_commands.NoPrivateMessage():
            message = "This command works only in a server."
        case app_commands.CheckFailure():
            message = "You are not allowed to do that."
        case _:
            name = interaction.command.qualified_name if interaction.command else "?"
            _LOGGER.error("Command %s failed: %s", name, type(original).__name__, exc_info=original)
            message = _GENERIC_FAILURE
    with contextlib.suppress(discord.HTTPException):
        await reply(interaction, message)


@contextlib.asynccontextmanager
async def errors_as_replies(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Expected failures become one short ephemeral sentence; nothing else is swallowed."""
    try:
        yield
    except (SpeechRefusedError, BudgetExhaustedError, errors.VoiceServiceError) as error:
        await reply(interaction, user_message(error))
    except VoiceConnectError as error:
        await reply(interaction, str(error))


class RecentChannels:
    """The text channels failed items are reported to, by id; the least recently used go first,
    so a bot in many servers does not keep every channel object it ever saw."""

    def __init__(self, max_entries: int = 1000) -> None:
        self.max_entries = max_entries
        self._channels: OrderedDict[int, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._channels)

    def remember(self, channel: Any) -> None:
        if channel is None:
            return
        self._channels[channel.id] = channel
        self._channels.move_to_end(channel.id)
        while len(self._channels) > self.max_entries:
            self._channels.popitem(last=False)

    def get(self, channel_id: int) -> Any | None:
        return self._channels.get(channel_id)


def names_for(guild: discord.Guild | None, text: str) -> NameContext:
    """Display names for the mentions in ``text`` (a slash-command argument is raw markup)."""
    if guild is None:
        return NameContext()
    users = {}
    for match in _USER_IDS.finditer(text):
        member = guild.get_member(int(match[1]))
        if member is not None:
            users[member.id] = member.display_name
    roles = {
        role.id: role.name
        for role in (guild.get_role(int(m[1])) for m in _ROLE_IDS.finditer(text))
        if role is not None
    }
    channels = {
        channel.id: channel.name
        for channel in (guild.get_channel(int(m[1])) for m in _CHANNEL_IDS.finditer(text))
        if channel is not None
    }
    return NameContext(users=users, roles=roles, channels=channels)


def names_from_message(message: discord.Message) -> NameContext:
    return NameContext(
        users={user.id: user.display_name for user in message.mentions},
        roles={role.id: role.name for role in message.role_mentions},
        channels={
            channel.id: getattr(channel, "name", "a channel")
            for channel in message.channel_mentions
        },
    )


class ConsentView(discord.ui.View):
    """Confirm / Cancel before cloning a voice: the owner confirms the speaker agreed to it."""

    def __init__(self, owner_id: int, *, timeout: float = 120.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.confirmed: bool | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(label="I have their consent: clone", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.confirmed = True
        await interaction.response.edit_message(content="Cloning the voice…", view=None)
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.confirmed = False
        await interaction.response.edit_message(
            content="Cancelled; nothing was uploaded.", view=None
        )
        self.stop()
