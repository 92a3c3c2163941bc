"""Which posted messages get read aloud, who gets named, and how often errors are announced.

Plain classes with an injectable clock; the cog builds an `IncomingMessage` from a
`discord.Message` and acts on the `Decision`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .settings import GuildSettings, UserSettings

ANNOUNCE_WINDOW_SECONDS = 60.0
NOTICE_INTERVAL_SECONDS = 3600.0
MAX_COOLDOWN_SECONDS = 3600.0  # the most `/tts settings cooldown` accepts
# Per-channel and per-member maps live as long as the process: past this many entries the
# ones that can no longer matter (or, failing that, the least recently used) are dropped.
MAX_TRACKED = 10_000


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    guild_id: int
    channel_id: int
    author_id: int
    author_is_bot: bool = False
    author_role_ids: frozenset[int] = field(default_factory=frozenset)
    author_voice_channel_id: int | None = None  # where the author is connected, if anywhere
    content: str = ""
    attachments: tuple[str, ...] = ()


class Skip(StrEnum):
    """Why a message is not read. Only NOT_IN_VOICE is worth telling the channel about."""

    BOT_AUTHOR = "bot author"
    OPTED_OUT = "author opted out"
    NOT_A_READ_CHANNEL = "not a read channel"
    MISSING_ROLE = "author lacks the required role"
    NOT_IN_VOICE = "bot is not in a voice channel"
    NOT_WITH_BOT = "author is not in the bot's voice channel"
    COOLDOWN = "author is on cooldown"
    EMPTY = "nothing to say"


@dataclass(frozen=True, slots=True)
class Decision:
    speak: bool
    skip: Skip | None = None
    join_channel_id: int | None = None  # auto-join: connect here first, then speak


class AutoReader:
    """Decides whether a message is spoken; remembers per-member cooldowns."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_spoken: OrderedDict[tuple[int, int], float] = OrderedDict()

    def decide(
        self,
        message: IncomingMessage,
        guild: GuildSettings,
        user: UserSettings,
        *,
        bot_voice_channel_id: int | None,
    ) -> Decision:
        if message.author_is_bot and guild.ignore_bots:
            return Decision(False, Skip.BOT_AUTHOR)
        if user.autoread_opt_out:
            return Decision(False, Skip.OPTED_OUT)
        if not self.reads_channel(message.channel_id, guild, bot_voice_channel_id):
            return Decision(False, Skip.NOT_A_READ_CHANNEL)
        if guild.required_role_id and guild.required_role_id not in message.author_role_ids:
            return Decision(False, Skip.MISSING_ROLE)
        if not message.content.strip() and not message.attachments:
            return Decision(False, Skip.EMPTY)
        join_channel_id = None
        if bot_voice_channel_id is None:
            if not (guild.auto_join and message.author_voice_channel_id):
                return Decision(False, Skip.NOT_IN_VOICE)
            join_channel_id = message.author_voice_channel_id
        elif guild.voice_members_only and message.author_voice_channel_id != bot_voice_channel_id:
            # Also in the voice channel's own text chat: being able to type there is not
            # being in the call.
            return Decision(False, Skip.NOT_WITH_BOT)
        if not self.take_turn(message.guild_id, message.author_id, guild.cooldown_seconds):
            return Decision(False, Skip.COOLDOWN)
        return Decision(True, join_channel_id=join_channel_id)

    def take_turn(self, guild_id: int, author_id: int, cooldown_seconds: float) -> bool:
        """True (and the turn counted) unless the member spoke less than the cooldown ago.

        Shared by auto-read, `/tts say` and *Speak this message*: one cooldown per member.
        """
        key = (guild_id, author_id)
        now = self._clock()
        last = self._last_spoken.get(key)
        if cooldown_seconds > 0 and last is not None and now - last < cooldown_seconds:
            return False
        self._last_spoken[key] = now
        self._last_spoken.move_to_end(key)
        _trim(self._last_spoken, now - MAX_COOLDOWN_SECONDS)
        return True

    @staticmethod
    def reads_channel(
        channel_id: int, guild: GuildSettings, bot_voice_channel_id: int | None
    ) -> bool:
        """Whether auto-read reads this channel at all (checked before any member look-up)."""
        if channel_id in guild.autoread_channel_ids:
            return True
        # A voice channel's built-in text chat has the voice channel's own id.
        return guild.read_voice_chat and channel_id == bot_voice_channel_id


class NameAnnouncer:
    """ "Alice said, ..." unless Alice was also the last speaker in this guild within the window."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, window: float = ANNOUNCE_WINDOW_SECONDS
    ) -> None:
        self._clock = clock
        self._window = window
        self._last: dict[int, tuple[int, float]] = {}

    def prefix(self, guild_id: int, author_id: int, spoken_name: str) -> str:
        now = self._clock()
        previous = self._last.get(guild_id)
        self._last[guild_id] = (author_id, now)
        if previous and previous[0] == author_id and now - previous[1] < self._window:
            return ""
        return f"{spoken_name} said, "

    def forget(self, guild_id: int) -> None:
        self._last.pop(guild_id, None)


class NoticeLimiter:
    """At most one notice per (channel, error kind) per interval; reactions are always fine."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, interval: float = NOTICE_INTERVAL_SECONDS
    ) -> None:
        self._clock = clock
        self._interval = interval
        self._sent: OrderedDict[tuple[int, str], float] = OrderedDict()

    def allow(self, channel_id: int, kind: str) -> bool:
        now = self._clock()
        last = self._sent.get((channel_id, kind))
        if last is not None and now - last < self._interval:
            return False
        self._sent[(channel_id, kind)] = now
        self._sent.move_to_end((channel_id, kind))
        _trim(self._sent, now - self._interval)
        return True


class IdleNotices:
    """ "I am not in a voice channel" goes to each channel once, until the bot next joins voice
    in that guild: one message per idle period instead of one reaction per message."""

    def __init__(self) -> None:
        self._told: OrderedDict[int, set[int]] = OrderedDict()  # guild id → channel ids

    def first_time(self, guild_id: int, channel_id: int) -> bool:
        channels = self._told.setdefault(guild_id, set())
        self._told.move_to_end(guild_id)
        if channel_id in channels:
            return False
        channels.add(channel_id)
        while len(self._told) > MAX_TRACKED:  # worst case a long-idle guild is told again
            self._told.popitem(last=False)
        return True

    def joined(self, guild_id: int) -> None:
        self._told.pop(guild_id, None)


def _trim(entries: OrderedDict[Any, float], stale_before: float) -> None:
    """Bound a recency map: drop what is too old to matter, then the least recently used."""
    if len(entries) <= MAX_TRACKED:
        return
    for key in [key for key, at in entries.items() if at < stale_before]:
        del entries[key]
    while len(entries) > MAX_TRACKED:
        entries.popitem(last=False)
