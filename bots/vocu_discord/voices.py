"""A briefly cached list of the account's usable voices, and autocomplete choices from it.

Discord gives a command 3 seconds and an autocomplete request less, so the list is never fetched
under a lock or inline when a copy exists: a stale copy is answered at once and refreshed in the
background by one shared fetch; only a first fetch is waited for, and never without a limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from discord import app_commands
from vocu_client import errors
from vocu_client.models import DEFAULT_STYLE_ID, Voice
from vocu_client.providers import Capability

if TYPE_CHECKING:
    from vocu_client.providers import VoiceProvider

_LOGGER = logging.getLogger(__name__)

MAX_CHOICES = 25  # Discord's limit per autocomplete answer
CHOICE_NAME_LIMIT = 100
FIRST_FETCH_TIMEOUT = 20.0  # a command (already deferred) waits this long for a first list
AUTOCOMPLETE_WAIT = 1.5  # an autocomplete answer must reach Discord well within 3 s


class VoiceCatalog:
    def __init__(
        self,
        client: VoiceProvider,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        first_fetch_timeout: float = FIRST_FETCH_TIMEOUT,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._first_fetch_timeout = first_fetch_timeout
        self._voices: list[Voice] | None = None
        self._fetched_at = 0.0
        self._fetch: asyncio.Task[list[Voice]] | None = None

    async def voices(self) -> list[Voice]:
        """Usable voices only (a creating or failed clone cannot speak), cached ``ttl`` seconds."""
        return await self._voices_within(self._first_fetch_timeout)

    async def _voices_within(self, wait: float) -> list[Voice]:
        fetch = self._refresh_if_stale()
        if self._voices is not None:
            return self._voices  # stale or not: the refresh (if any) runs in the background
        assert fetch is not None
        try:
            async with asyncio.timeout(wait):
                return await asyncio.shield(fetch)
        except TimeoutError:
            raise errors.ServiceTimeoutError("The voice list did not arrive in time.") from None

    def _refresh_if_stale(self) -> asyncio.Task[list[Voice]] | None:
        fresh = self._voices is not None and self._clock() - self._fetched_at <= self._ttl
        if fresh:
            return None
        if self._fetch is None:
            self._fetch = asyncio.create_task(self._fetch_voices(), name="vocu-voice-list")
            self._fetch.add_done_callback(self._fetch_done)
        return self._fetch

    async def _fetch_voices(self) -> list[Voice]:
        voices = [voice for voice in await self._client.list_voices() if voice.usable]
        self._voices = voices
        self._fetched_at = self._clock()
        return voices

    def _fetch_done(self, fetch: asyncio.Task[list[Voice]]) -> None:
        if self._fetch is fetch:
            self._fetch = None
        if not fetch.cancelled() and (error := fetch.exception()) is not None:
            _LOGGER.warning("Refreshing the voice list failed: %s", type(error).__name__)

    def invalidate(self) -> None:
        self._voices = None

    async def aclose(self) -> None:
        if self._fetch is not None:
            self._fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._fetch

    async def _choice_voices(self) -> list[Voice]:
        """For autocomplete: the cached list at once; a first fetch only briefly, else none."""
        try:
            return await self._voices_within(AUTOCOMPLETE_WAIT)
        except errors.VoiceServiceError:
            return []

    async def get(self, voice_id: str) -> Voice | None:
        return next((voice for voice in await self.voices() if voice.id == voice_id), None)

    async def voice_choices(self, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().casefold()
        matches = [
            voice
            for voice in await self._choice_voices()
            if needle in voice.name.casefold() or needle in voice.id.casefold()
        ]
        return [
            app_commands.Choice(name=_clip(voice_label(voice)), value=voice.id)
            for voice in matches[:MAX_CHOICES]
        ]

    async def style_choices(
        self, voice_id: str | None, current: str
    ) -> list[app_commands.Choice[str]]:
        """ "Voice — Style" names; the value is the style id of the given (or every) voice."""
        if not self._client.supports(Capability.STYLES):
            return []
        needle = current.strip().casefold()
        voices = await self._choice_voices()
        if voice_id:
            voices = [voice for voice in voices if voice.id == voice_id]
        choices = []
        for voice in voices:
            for style in voice.styles or ():
                name = f"{voice.name} — {style.name}"
                if needle in name.casefold():
                    choices.append(app_commands.Choice(name=_clip(name), value=style.id))
        return choices[:MAX_CHOICES]


def voice_label(voice: Voice) -> str:
    extra = " (market)" if voice.is_market else " (built-in)" if voice.builtin else ""
    language = f" [{voice.language}]" if voice.language else ""
    return f"{voice.name}{language}{extra}"


def style_exists(voice: Voice, style_id: str) -> bool:
    return style_id == DEFAULT_STYLE_ID or voice.style(style_id) is not None


def _clip(text: str) -> str:
    return text if len(text) <= CHOICE_NAME_LIMIT else text[: CHOICE_NAME_LIMIT - 1] + "…"
