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

    def audio(self, chunk: bytes) -> None:
        self.walker.feed(chunk)

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

    def request(self, characters: int) -> RequestCost:
        cost = RequestCost(characters)
        self.requests.append(cost)
        return cost

    @property
    def credits(self) -> float | None:
        """The credits the service reported, summed; None when it reported none."""
        reported = [cost.credits for cost in self.requests if cost.credits is not None]
        return sum(reported) if reported else None

    def event_data(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "characters": sum(cost.characters for cost in self.requests),
            "credits": self.credits,
            "voice": self.voice,
            "duration": round(sum(cost.walker.seconds for cost in self.requests), 3),
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
                    "duration": round(cost.walker.seconds, 3),
                    "fallback": announcement.fallback,
                }
            )
        if (credits := announcement.credits) is not None:
            self._guard.add_credits(credits)
            self._on_change()
        self._hass.bus.async_fire(EVENT_SPEECH_SPOKEN, announcement.event_data())
