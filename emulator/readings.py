"""Readings: which way the emulator answers where the voice services' docs are ambiguous.

Client and emulator were written from one reading of the docs, so by default the emulator answers
the way the client was written. A reading switched to ``other`` makes this emulator instance
answer the other plausible way, so the client's tests can show it survives both. Switched per
instance with ``--reading NAME=other`` or ``POST /_emulator/readings {"NAME": "other"}``; a reset
puts every reading back to ``ours``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

OURS = "ours"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Reading:
    name: str
    ours: str
    other: str


READINGS: dict[str, Reading] = {
    reading.name: reading
    for reading in (
        Reading(
            "direct_stream",
            "POST simple-generate with stream+direct_stream answers the MP3 itself",
            "POST ignores direct_stream (not in its schema) and answers the JSON envelope",
        ),
        Reading(
            "get_auth",
            "GET simple-generate takes the key in the Authorization header",
            "GET simple-generate takes the key only as ?token= (seed page 002); a header is 401",
        ),
        Reading(
            "credit_403",
            "insufficient credits: 403 with code BILLING_INSUFFICIENT_CREDIT",
            "insufficient credits: 403 'Insufficient remaining credits' with no code (seed 002)",
        ),
        Reading(
            "redirect",
            "every host answers the API itself",
            "API requests for v1.vocu.ai answer 301 to v1.vocu.studio (and 127.0.0.1 to localhost)",
        ),
        Reading(
            "quota_wait",
            "over the concurrency quota: 429 RATE_LIMIT_CONCURRENT at once",
            "over the quota: simple-generate blocks 330 s (times quota_wait_scale), then 429",
        ),
        Reading(
            "noiz_voices",
            "Noiz voices carry labels as a list and the preview as preview_url",
            "Noiz's documented shape: labels a string, the preview under sample/url, "
            "clone answers voice_display_name, and a limit over the documented default (10) "
            "is refused with 400",
        ),
    )
}

QUOTA_WAIT_SECONDS = 330.0


class ReadingBook:
    """The readings of one emulator instance; thread-safe (tests steer it from another thread)."""

    def __init__(self, initial: Mapping[str, object] | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = dict(initial or {})
        self._other: set[str] = set()
        self.quota_wait_scale = 1.0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._other = set()
            self.quota_wait_scale = 1.0
        self.update(self._initial)

    def update(self, changes: Mapping[str, object]) -> None:
        """Set readings (``{"direct_stream": "other"}``); ValueError for an unknown name/value."""
        for name, value in changes.items():
            if name == "quota_wait_scale":
                scale = float(value)  # type: ignore[arg-type]
                if scale < 0:
                    raise ValueError("quota_wait_scale must not be negative")
                with self._lock:
                    self.quota_wait_scale = scale
                continue
            if name not in READINGS:
                raise ValueError(f"unknown reading {name!r}; known: {', '.join(READINGS)}")
            if value not in (OURS, OTHER):
                raise ValueError(f"reading {name} must be {OURS!r} or {OTHER!r}, not {value!r}")
            with self._lock:
                if value == OTHER:
                    self._other.add(name)
                else:
                    self._other.discard(name)

    def other(self, name: str) -> bool:
        """True when this instance answers reading ``name`` the other way."""
        if name not in READINGS:
            raise KeyError(name)
        with self._lock:
            return name in self._other

    @property
    def quota_wait(self) -> float:
        with self._lock:
            return QUOTA_WAIT_SECONDS * self.quota_wait_scale

    def to_dict(self) -> dict[str, object]:
        with self._lock:
            current: dict[str, object] = {
                name: OTHER if name in self._other else OURS for name in READINGS
            }
            current["quota_wait_scale"] = self.quota_wait_scale
            return current


def parse_reading_args(values: list[str] | None) -> dict[str, str]:
    """``["direct_stream=other", "quota_wait_scale=0.01"]`` → a dict; ValueError when malformed."""
    parsed: dict[str, str] = {}
    for value in values or []:
        name, sep, setting = value.partition("=")
        if not sep:
            raise ValueError(f"--reading wants NAME=other, not {value!r}")
        parsed[name.strip()] = setting.strip()
    ReadingBook(parsed)  # validates
    return parsed
