"""Voice connection policy and when to leave: close codes, empty channels, inactivity.

discord.py retries some voice close codes forever (4017 "DAVE required" falls through to the
generic reconnect with backoff; 4006 loops are a known discord.py issue), which turns a permanent
refusal into a connect/disconnect loop. We connect with ``reconnect=False`` and decide here.

`action_for_close` and `ReconnectBudget` know nothing of discord.py: a close code (or None for
a lost network) goes in, an action comes out, so another voice engine can reuse them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum
from typing import Any

import aiohttp
import discord

_LOGGER = logging.getLogger(__name__)

FATAL_CLOSE_CODES: dict[int, str] = {
    4017: "Discord requires end-to-end encryption (DAVE) and the voice stack lacks it",
    4021: "Discord rate-limited voice connections for this bot",
    4014: "the bot was removed from the voice channel",
}
RETRY_ONCE_CLOSE_CODES: dict[int, str] = {
    4006: "the voice session is no longer valid",
}
RETRY_BACKOFF_SECONDS = 5.0
# Ours, not discord.py's 30 s: the user waits on a deferred reply, and on a timeout discord.py
# waits as long again for the leave to be confirmed.
VOICE_CONNECT_TIMEOUT = 15.0


class VoiceCloseAction(StrEnum):
    RECONNECT = "reconnect"  # transient: back to the same channel, with backoff and a budget
    REPORT = "report"  # permanent: stay out, one ERROR line and one notice per guild and hour
    CHECK_VOICE_STATE = "check_voice_state"  # 4014/4022: moved, kicked or channel deleted
    ENDED = "ended"  # a normal close, usually our own leave


TRANSIENT_CLOSE_CODES: dict[int | None, str] = {
    None: "the network connection was lost",
    1001: "the voice server went away",
    1006: "the connection dropped without a close frame",
    4006: "the voice session is no longer valid",
    4009: "the voice session timed out",
    4015: "the voice server crashed",
}
PERMANENT_CLOSE_CODES: dict[int, str] = {
    4004: "the voice server refused the bot's authentication",
    4016: "the voice server does not know the encryption mode",
    4017: "Discord requires end-to-end encryption (DAVE) and the voice stack lacks it",
    4020: "the voice server rejected a malformed request",
    4021: "Discord rate-limited voice connections for this bot",
}
MAX_RECONNECTS = 5
RECONNECT_WINDOW_SECONDS = 60.0


def action_for_close(code: int | None) -> VoiceCloseAction:
    if code in (4014, 4022):
        return VoiceCloseAction.CHECK_VOICE_STATE
    if code == 1000:
        return VoiceCloseAction.ENDED
    if code in PERMANENT_CLOSE_CODES:
        return VoiceCloseAction.REPORT
    return VoiceCloseAction.RECONNECT  # the listed transient codes, and any code we do not know


def close_reason(code: int | None) -> str:
    if code in PERMANENT_CLOSE_CODES:
        return PERMANENT_CLOSE_CODES[code]  # type: ignore[index]
    return TRANSIENT_CLOSE_CODES.get(code, "the voice connection closed")


class ReconnectBudget:
    """At most ``limit`` reconnects per guild within ``window`` seconds; then the bot gives up."""

    def __init__(
        self,
        limit: int = MAX_RECONNECTS,
        window: float = RECONNECT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._attempts: dict[int, list[float]] = {}

    def allow(self, guild_id: int) -> bool:
        now = self._clock()
        recent = [t for t in self._attempts.get(guild_id, []) if now - t < self._window]
        if len(recent) >= self._limit:
            self._attempts[guild_id] = recent
            return False
        self._attempts[guild_id] = [*recent, now]
        return True

    def backoff(self, guild_id: int) -> float:
        """1, 2, 4, 8, 16 s for the attempts within the window."""
        return float(2 ** max(0, len(self._attempts.get(guild_id, [])) - 1))

    def forget(self, guild_id: int) -> None:
        self._attempts.pop(guild_id, None)


class VoiceConnectError(Exception):
    """Connecting failed for a reason retrying will not fix; the message is one line.

    ``close_code``: Discord's close code when it refused the connection (else None), so a
    reconnect loop can tell a permanent refusal from one more drop.
    """

    def __init__(self, message: str, *, close_code: int | None = None) -> None:
        super().__init__(message)
        self.close_code = close_code


async def connect_with_policy(
    connect: Callable[[], Awaitable[Any]],
    *,
    guild_id: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    backoff: float = RETRY_BACKOFF_SECONDS,
    reconnecting: bool = False,
) -> Any:
    """Run ``connect`` (e.g. ``lambda: channel.connect(reconnect=False)``) under the policy.

    ``reconnecting``: the caller retries with its own backoff and budget (the cog after a drop).
    Then a 4006 is not retried here (each attempt costs a voice login) and a failure is a WARNING,
    since the caller has not given up; its own ERROR says when it does.
    """
    level = logging.WARNING if reconnecting else logging.ERROR
    outcome = "the reconnect loop will try again" if reconnecting else "staying out"
    attempts = (1,) if reconnecting else (1, 2)
    for attempt in attempts:
        try:
            return await connect()
        except discord.errors.ConnectionClosed as closed:
            code = closed.code
            if code in RETRY_ONCE_CLOSE_CODES and attempt < len(attempts):
                _LOGGER.warning(
                    "Voice in guild %s closed with %s (%s); retrying once in %.0f s",
                    guild_id, code, RETRY_ONCE_CLOSE_CODES[code], backoff,
                )  # fmt: skip
                await sleep(backoff)
                continue
            reason = FATAL_CLOSE_CODES.get(code) or RETRY_ONCE_CLOSE_CODES.get(code) or "closed"
            _LOGGER.log(
                level, "Voice in guild %s closed with %s (%s); %s", guild_id, code, reason, outcome
            )
            raise VoiceConnectError(
                f"Discord closed the voice connection ({code}: {reason}).", close_code=code
            ) from None
        except TimeoutError:
            _LOGGER.log(level, "Voice in guild %s: connecting timed out; %s", guild_id, outcome)
            raise VoiceConnectError("Connecting to the voice channel timed out.") from None
        except (aiohttp.ClientError, OSError) as error:
            _LOGGER.log(
                level, "Voice in guild %s: voice server unreachable (%s); %s",
                guild_id, error, outcome,
            )  # fmt: skip
            raise VoiceConnectError(
                "Discord's voice server could not be reached; try again in a moment."
            ) from None
    raise AssertionError("unreachable")


def check_joinable(channel: Any, me: Any) -> None:
    """Refuse at once what Discord would leave unanswered (the connect would just time out)."""
    if isinstance(channel, discord.StageChannel):
        raise VoiceConnectError(
            f"{channel.name} is a stage channel; I only speak in ordinary voice channels."
        )
    permissions = channel.permissions_for(me)
    missing = [
        label
        for label, granted in (
            ("View Channel", permissions.view_channel),
            ("Connect", permissions.connect),
            ("Speak", permissions.speak),
        )
        if not granted
    ]
    if missing:
        raise VoiceConnectError(
            f"I need the {' and '.join(missing)} permission in {channel.name}; "
            "ask a server admin to grant it."
        )
    limit = getattr(channel, "user_limit", 0)
    if limit and len(channel.members) >= limit and not permissions.move_members:
        raise VoiceConnectError(f"{channel.name} is full ({limit} members).")


class GuildLocks:
    """One voice connect (or move) per guild at a time; later callers wait and then see it."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def __call__(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    def forget(self, guild_id: int) -> None:
        lock = self._locks.get(guild_id)
        if lock is not None and not lock.locked():
            del self._locks[guild_id]


def humans_remain(members: Iterable[Any]) -> bool:
    """True while anyone who is not a bot is in the channel."""
    return any(not getattr(member, "bot", False) for member in members)


class IdleTracker:
    """Remembers when each guild last had something to say, to leave after a quiet period."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[int, float] = {}

    def touch(self, guild_id: int) -> None:
        self._last[guild_id] = self._clock()

    def forget(self, guild_id: int) -> None:
        self._last.pop(guild_id, None)

    def guild_ids(self) -> list[int]:
        return list(self._last)

    def idle_for(self, guild_id: int) -> float:
        last = self._last.get(guild_id)
        return 0.0 if last is None else self._clock() - last
