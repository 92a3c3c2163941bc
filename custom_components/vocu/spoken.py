"""Cost per announcement: the ``vocu_speech_spoken`` event, today's credits and the recent requests.

Every synthesis the entity completes (never a TTS cache hit: Home Assistant answers those without
asking the entity) fires one event with what it cost as the service reported it. Automations can
alert on cost; the diagnostics keep the last requests' ids, sizes and costs, never their text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .client.models import GenerationResult
from .client.mp3 import FrameWalker

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .guard import SynthesisGuard

EVENT_SPEECH_SPOKEN: Final = "vocu_speech_spoken"
RECENT_REQUESTS: Final = 20


@dataclass
class RequestCost:
    """One request to the service within an announcement (never its text)."""

    characters: int
    request_id: str | None = None
    credits: float | None = None
    walker: FrameWalker = field(default_factory=FrameWalker)
    # False when the audio went to a player by URL (vocu.announce): its length is not seen here.
    heard: bool = True

    def audio(self, chunk: bytes) -> None:
        self.walker.feed(chunk)

    @property
    def seconds(self) -> float | None:
        return round(self.walker.seconds, 3) if self.heard else None

    def finish(self, result: GenerationResult | None) -> None:
        if result is not None:
            self.request_id = result.request_id or result.id
            self.credits = result.credit_used


@dataclass
class Announcement:
    """What one announcement (one `tts.speak`, one Assist answer) cost, request by request."""

    entity_id: str
    voice: str
    requests: list[RequestCost] = field(default_factory=list)
    fallback: bool = False

    def request(self, characters: int, *, heard: bool = True) -> RequestCost:
        cost = RequestCost(characters, heard=heard)
        self.requests.append(cost)
        return cost

    @property
    def credits(self) -> float | None:
        """The credits the service reported, summed; None when it reported none."""
        reported = [cost.credits for cost in self.requests if cost.credits is not None]
        return sum(reported) if reported else None

    @property
    def duration(self) -> float | None:
        """Seconds of audio; None when some of it was handed to a player by URL, unheard."""
        seconds = [cost.seconds for cost in self.requests]
        if any(second is None for second in seconds):
            return None
        return round(sum(second for second in seconds if second is not None), 3)

    def event_data(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "characters": sum(cost.characters for cost in self.requests),
            "credits": self.credits,
            "voice": self.voice,
            "duration": self.duration,
            "fallback": self.fallback,
        }


class SpeechLog:
    """An entry's completed announcements: fires the event, counts today's credits (in the
    guard's daily usage record, so the local day and restarts are handled in one place) and
    keeps the last requests for the diagnostics."""

    def __init__(
        self, hass: HomeAssistant, guard: SynthesisGuard, on_change: Callable[[], None]
    ) -> None:
        self._hass = hass
        self._guard = guard
        self._on_change = on_change  # the "credits used today" sensor re-reads the guard
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_REQUESTS)

    @callback
    def async_spoken(self, announcement: Announcement) -> None:
        at = dt_util.now().isoformat()
        for cost in announcement.requests:
            self.recent.append(
                {
                    "at": at,
                    "request_id": cost.request_id,
                    "characters": cost.characters,
                    "credits": cost.credits,
                    "duration": cost.seconds,
                    "fallback": announcement.fallback,
                }
            )
        if (credits := announcement.credits) is not None:
            self._guard.add_credits(credits)
            self._on_change()
        self._hass.bus.async_fire(EVENT_SPEECH_SPOKEN, announcement.event_data())
