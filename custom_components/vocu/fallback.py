"""The fallback engine: when the service cannot speak, another TTS entity says it instead.

Used per request, and only before any of that request's audio was sent, for the failures that
say "this service cannot speak now" (out of credits, over quota, unreachable, no first byte in
time, key refused). Its audio comes through Home Assistant's own TTS stream API as MP3 (Home
Assistant converts with FFmpeg: Piper, for one, answers WAV). Each use is counted in a repair
notice, so a silent switch to another voice does not go unnoticed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

from homeassistant.components import tts
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from .client import errors
from .const import CONF_FALLBACK_ENGINE, DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

ISSUE_FALLBACK_USED: Final = "fallback_used"

# "The service cannot speak now" — not "this request is wrong" (an unknown voice, a bad option).
CANNOT_SPEAK: Final = (
    errors.InsufficientCreditsError,
    errors.RateLimitError,
    errors.ServiceConnectionError,  # unreachable, timed out, cut before any audio
    errors.ServerError,
    errors.AuthenticationError,
)


def fallback_engine(entry: ConfigEntry) -> str | None:
    return entry.options.get(CONF_FALLBACK_ENGINE) or None


def is_own_engine(hass: HomeAssistant, entity_id: str) -> bool:
    """A TTS entity of this integration (any entry): never a fallback, it fails the same way."""
    entity = er.async_get(hass).async_get(entity_id)
    return entity is not None and entity.platform == DOMAIN


async def fallback_audio(hass: HomeAssistant, engine: str, text: str) -> AsyncIterator[bytes]:
    """``text`` spoken by ``engine`` (its default language and voice), as MP3."""
    stream = tts.async_create_stream(hass, engine, options={tts.ATTR_PREFERRED_FORMAT: "mp3"})
    stream.async_set_message(text)
    async for chunk in stream.async_stream_result():
        yield chunk


class FallbackNotice:
    """How often the fallback spoke for an entry (since it was loaded), shown as a repair
    notice; it goes away with the entry or when the user dismisses it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self.count = 0

    @callback
    def async_used(self, engine: str, reason: errors.VoiceServiceError) -> None:
        self.count += 1
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            f"{ISSUE_FALLBACK_USED}_{self._entry.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_FALLBACK_USED,
            translation_placeholders={
                "account": self._entry.title,
                "engine": engine,
                "count": str(self.count),
                "reason": type(reason).__name__,
            },
        )
