"""A bounded FIFO of things to say, with an explicit overflow policy; no I/O, no discord.

Kept apart from the playback plumbing so the queue rules (order, bound, what happens when full)
are plain, synchronous and easy to test.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from vocu_client.models import SynthesisOptions

OverflowPolicy = Literal["drop_oldest", "refuse"]
OVERFLOW_POLICIES: tuple[OverflowPolicy, ...] = ("drop_oldest", "refuse")


@dataclass(frozen=True, slots=True, eq=False)
class SpeechItem:
    """One utterance waiting to be spoken in a guild.

    Compared by identity: two people saying the same words are still two queue entries.
    """

    text: str
    voice_id: str
    options: SynthesisOptions = field(default_factory=SynthesisOptions)
    author_id: int | None = None
    channel_id: int | None = None
    label: str = ""  # what `/tts queue` shows its members; holds a name and the text's start

    def __repr__(self) -> str:
        # Logs see ids and lengths only: the text and the label (display name + text) are what
        # people said, and the privacy promise is that no log line of ours holds either.
        return (
            f"SpeechItem(chars={len(self.text)}, voice_id={self.voice_id!r},"
            f" author_id={self.author_id}, channel_id={self.channel_id})"
        )


@dataclass(frozen=True, slots=True)
class PushResult:
    """Outcome of `SpeechQueue.push`: whether the item got in and which one fell out for it."""

    accepted: bool
    dropped: SpeechItem | None = None


class SpeechQueue:
    """FIFO of at most ``max_size`` items; when full, ``drop_oldest`` evicts, ``refuse`` rejects."""

    def __init__(self, max_size: int = 50, overflow: OverflowPolicy = "drop_oldest") -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, got {max_size}")
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow must be one of {OVERFLOW_POLICIES}, got {overflow!r}")
        self.max_size = max_size
        self.overflow: OverflowPolicy = overflow
        self._items: deque[SpeechItem] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: SpeechItem) -> PushResult:
        dropped = None
        if len(self._items) >= self.max_size:
            if self.overflow == "refuse":
                return PushResult(accepted=False)
            dropped = self._items.popleft()
        self._items.append(item)
        return PushResult(accepted=True, dropped=dropped)

    def peek(self) -> SpeechItem | None:
        return self._items[0] if self._items else None

    def pop(self) -> SpeechItem | None:
        return self._items.popleft() if self._items else None

    def clear(self) -> list[SpeechItem]:
        """Empty the queue and return what was in it, in order."""
        removed = list(self._items)
        self._items.clear()
        return removed

    def snapshot(self) -> list[SpeechItem]:
        return list(self._items)
