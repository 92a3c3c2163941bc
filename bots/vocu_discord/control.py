"""Who may steer the bot's voice: skip, clear, leave, or move it to another channel.

Everyone in the bot's channel may skip what they themselves asked to be said. Anything that
affects other listeners (skipping their items, clearing the queue, sending the bot away or moving
it) needs Move Members or Manage Server, unless nobody else is listening: the caller is alone with
the bot (or its channel has no one in it at all).
"""

from __future__ import annotations

from typing import Any

import discord


def in_channel(member: Any, channel: Any) -> bool:
    state = getattr(member, "voice", None)
    joined = getattr(state, "channel", None)
    return channel is not None and joined is not None and joined.id == channel.id


def others_listening(member_id: int, channel: Any) -> bool:
    """Whether anyone but ``member_id`` (bots aside) is in ``channel``."""
    members = getattr(channel, "members", ())
    return any(not getattr(m, "bot", False) and m.id != member_id for m in members)


def may_steer(permissions: discord.Permissions, member: Any, bot_channel: Any) -> bool:
    """May ``member`` do what affects everyone listening in ``bot_channel``?"""
    if permissions.move_members or permissions.manage_guild:
        return True
    return bot_channel is None or not others_listening(member.id, bot_channel)


def may_skip(
    permissions: discord.Permissions, member: Any, bot_channel: Any, item_author_id: int | None
) -> bool:
    """Their own item from inside the bot's channel; anyone's with `may_steer`."""
    if item_author_id == member.id and in_channel(member, bot_channel):
        return True
    return may_steer(permissions, member, bot_channel)


NOT_ALLOWED = (
    "That needs the Move Members or Manage Server permission, or being alone with me in my "
    "voice channel. You can skip your own messages from inside my voice channel."
)
