"""The engine-neutral voice reconnect policy (item 1 of issue 12): close code in, action out."""

from __future__ import annotations

import pytest
from vocu_discord.lifecycle import (
    MAX_RECONNECTS,
    ReconnectBudget,
    VoiceCloseAction,
    action_for_close,
)


@pytest.mark.parametrize("code", [None, 1001, 1006, 4006, 4009, 4015, 4999])
def test_transient_and_unknown_closes_reconnect(code: int | None) -> None:
    assert action_for_close(code) is VoiceCloseAction.RECONNECT


@pytest.mark.parametrize("code", [4017, 4021, 4004, 4016])
def test_permanent_closes_are_reported_not_retried(code: int) -> None:
    assert action_for_close(code) is VoiceCloseAction.REPORT


def test_4014_is_decided_from_the_voice_state_and_1000_is_an_end() -> None:
    assert action_for_close(4014) is VoiceCloseAction.CHECK_VOICE_STATE
    assert action_for_close(4022) is VoiceCloseAction.CHECK_VOICE_STATE
    assert action_for_close(1000) is VoiceCloseAction.ENDED


def test_at_most_five_reconnects_a_minute_then_give_up_until_the_window_passes() -> None:
    now = [0.0]
    budget = ReconnectBudget(clock=lambda: now[0])
    delays = []
    for _ in range(MAX_RECONNECTS):
        assert budget.allow(1)
        delays.append(budget.backoff(1))
        now[0] += 1.0
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert not budget.allow(1)
    assert budget.allow(2)  # other guilds are not affected
    now[0] += 60.0
    assert budget.allow(1)
