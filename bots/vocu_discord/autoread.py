"""Which posted messages get read aloud, who gets named, and how often errors are announced.

Plain classes with an injectable clock; the cog builds an `IncomingMessage` from a
`discord.Message` and acts on the `Decision`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from .settings import GuildSettings, UserSettings

ANNOUNCE_WINDOW_SECONDS = 60.0
NOTICE_INTERVAL_SECONDS = 3600.0


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
    COOLDOWN = "author is on cooldown"
    EMPTY = "nothing to say"


@dataclass(frozen=True, slots=True)
class Decision:
    speak: bool
    skip: Skip | None = None
    join_channel_id: int | None = None  # auto-join: connect here first, then speak


class AutoReader:
    """Decides whether a message is spoken; remembers per-user cooldowns."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_spoken: dict[tuple[int, int], float] = {}

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
        if not self._is_read_channel(message.channel_id, guild, bot_voice_channel_id):
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
        key = (message.guild_id, message.author_id)
        now = self._clock()
        last = self._last_spoken.get(key)
        if guild.cooldown_seconds > 0 and last is not None and now - last < guild.cooldown_seconds:
            return Decision(False, Skip.COOLDOWN)
        self._last_spoken[key] = now
        return Decision(True, join_channel_id=join_channel_id)

    @staticmethod
    def _is_read_channel(
        channel_id: int, guild: GuildSettings, bot_voice_channel_id: int | None
    ) -> bool:
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
        self._sent: dict[tuple[int, str], float] = {}

    def allow(self, channel_id: int, kind: str) -> bool:
        now = self._clock()
        last = self._sent.get((channel_id, kind))
        if last is not None and now - last < self._interval:
            return False
        self._sent[(channel_id, kind)] = now
        return True
