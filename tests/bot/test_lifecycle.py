"""Voice close codes are handled without reconnect loops."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from vocu_discord.lifecycle import (
    IdleTracker,
    VoiceConnectError,
    connect_with_policy,
    humans_remain,
)


def closed(code: int) -> discord.errors.ConnectionClosed:
    return discord.errors.ConnectionClosed(
        SimpleNamespace(close_code=code), shard_id=None, code=code
    )


class Connector:
    """Fails with the given close codes in turn, then connects."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.codes:
            raise closed(self.codes.pop(0))
        return "voice-client"


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.mark.parametrize("code", [4017, 4021, 4014])
async def test_fatal_codes_are_not_retried(code: int, caplog: pytest.LogCaptureFixture) -> None:
    connector, sleeps = Connector(code), Sleeps()
    with pytest.raises(VoiceConnectError, match=str(code)):
        await connect_with_policy(connector, guild_id=1, sleep=sleeps)
    assert connector.calls == 1 and sleeps.seconds == []
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1


async def test_4006_is_retried_once_with_backoff() -> None:
    connector, sleeps = Connector(4006), Sleeps()
    assert (
        await connect_with_policy(connector, guild_id=1, sleep=sleeps, backoff=7) == "voice-client"
    )
    assert connector.calls == 2 and sleeps.seconds == [7]


async def test_4006_twice_gives_up() -> None:
    connector, sleeps = Connector(4006, 4006), Sleeps()
    with pytest.raises(VoiceConnectError, match="4006"):
        await connect_with_policy(connector, guild_id=1, sleep=sleeps)
    assert connector.calls == 2 and len(sleeps.seconds) == 1


async def test_4006_twice_on_a_join_is_an_error_saying_the_bot_stays_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    connector, sleeps = Connector(4006, 4006), Sleeps()
    with pytest.raises(VoiceConnectError):
        await connect_with_policy(connector, guild_id=1, sleep=sleeps)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].endswith("staying out")


@pytest.mark.parametrize("failure", [4006, 4017, TimeoutError, OSError])
async def test_a_reconnect_attempt_logs_one_login_and_a_warning_not_an_error(
    failure: int | type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    # The cog's reconnect loop retries with its own backoff: a second login here would double
    # each attempt, and "staying out" at ERROR would be untrue while the loop goes on.
    calls = 0

    async def connect() -> str:
        nonlocal calls
        calls += 1
        if isinstance(failure, int):
            raise closed(failure)
        raise failure("refused")

    sleeps = Sleeps()
    with pytest.raises(VoiceConnectError):
        await connect_with_policy(connect, guild_id=1, sleep=sleeps, reconnecting=True)
    assert calls == 1 and sleeps.seconds == []
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "staying out" not in caplog.text
    assert "the reconnect loop will try again" in caplog.text


async def test_connect_timeout_is_a_one_line_error() -> None:
    async def never() -> None:
        raise TimeoutError

    with pytest.raises(VoiceConnectError, match="timed out"):
        await connect_with_policy(never, guild_id=1)


def test_humans_remain() -> None:
    assert humans_remain([SimpleNamespace(bot=True), SimpleNamespace(bot=False)])
    assert not humans_remain([SimpleNamespace(bot=True)])
    assert not humans_remain([])


def test_idle_tracker() -> None:
    now = [0.0]
    tracker = IdleTracker(lambda: now[0])
    tracker.touch(1)
    now[0] = 42
    assert tracker.idle_for(1) == 42 and tracker.guild_ids() == [1]
    tracker.forget(1)
    assert tracker.guild_ids() == []
