"""A briefly cached list of the account's usable voices, and autocomplete choices from it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from discord import app_commands
from vocu_client.models import DEFAULT_STYLE_ID, Voice
from vocu_client.providers import Capability

if TYPE_CHECKING:
    from vocu_client.providers import VoiceProvider

MAX_CHOICES = 25  # Discord's limit per autocomplete answer
CHOICE_NAME_LIMIT = 100


class VoiceCatalog:
    def __init__(
        self, client: VoiceProvider, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._voices: list[Voice] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def voices(self) -> list[Voice]:
        """Usable voices only (a creating or failed clone cannot speak), cached ``ttl`` seconds."""
        async with self._lock:
            if self._voices is None or self._clock() - self._fetched_at > self._ttl:
                voices = await self._client.list_voices()
                self._voices = [voice for voice in voices if voice.usable]
                self._fetched_at = self._clock()
            return self._voices

    def invalidate(self) -> None:
        self._voices = None

    async def get(self, voice_id: str) -> Voice | None:
        return next((voice for voice in await self.voices() if voice.id == voice_id), None)

    async def voice_choices(self, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().casefold()
        matches = [
            voice
            for voice in await self.voices()
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
        voices = await self.voices()
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
