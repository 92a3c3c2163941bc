"""SpeechQueue: FIFO order, the bound, and both overflow policies (no I/O involved)."""

from __future__ import annotations

import pytest
from vocu_discord.speech_queue import SpeechItem, SpeechQueue


def items(count: int) -> list[SpeechItem]:
    return [SpeechItem(text=f"text {n}", voice_id="v", label=str(n)) for n in range(count)]


def test_fifo_order_and_snapshot() -> None:
    queue = SpeechQueue(max_size=5)
    first, second, third = items(3)
    for item in (first, second, third):
        assert queue.push(item).accepted
    assert queue.snapshot() == [first, second, third] and len(queue) == 3
    assert queue.peek() is first
    assert [queue.pop(), queue.pop()] == [first, second]
    assert queue.snapshot() == [third]


def test_drop_oldest_evicts_the_head_and_says_which() -> None:
    queue = SpeechQueue(max_size=2, overflow="drop_oldest")
    a, b, c = items(3)
    queue.push(a)
    queue.push(b)
    result = queue.push(c)
    assert result.accepted and result.dropped is a
    assert queue.snapshot() == [b, c]


def test_refuse_keeps_the_queue_as_it_was() -> None:
    queue = SpeechQueue(max_size=2, overflow="refuse")
    a, b, c = items(3)
    queue.push(a)
    queue.push(b)
    result = queue.push(c)
    assert not result.accepted and result.dropped is None
    assert queue.snapshot() == [a, b]


def test_clear_returns_what_was_waiting() -> None:
    queue = SpeechQueue()
    waiting = items(3)
    for item in waiting:
        queue.push(item)
    assert queue.clear() == waiting
    assert len(queue) == 0 and queue.pop() is None and queue.peek() is None


def test_identical_messages_are_separate_entries() -> None:
    one = SpeechItem(text="hi", voice_id="v", label="Zed: hi")
    two = SpeechItem(text="hi", voice_id="v")
    assert one != two
    # Logs show ids and lengths: neither the text nor the label (a display name + the text).
    assert "hi" not in repr(one) and "Zed" not in repr(one) and "chars=2" in repr(one)


@pytest.mark.parametrize(("size", "policy"), [(0, "refuse"), (3, "drop_newest")])
def test_bad_configuration_is_rejected(size: int, policy: str) -> None:
    with pytest.raises(ValueError):
        SpeechQueue(max_size=size, overflow=policy)  # type: ignore[arg-type]
