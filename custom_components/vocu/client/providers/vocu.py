"""Vocu behind the provider interface: a thin adapter over the unchanged :class:`VocuClient`.

Everything Vocu-only (styles, presets, jobs, templates, turbo) stays on ``provider.client``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from .._http import Transport
from ..client import VocuClient
from ..deadline import Deadline, bounded
from ..models import Account, GenerationResult, SynthesisOptions, Voice
from ..streaming import SpeechStream
from .base import DEFAULT_OPTIONS, ProviderBasics, ProviderInfo, VoicePage, check_clone_input
from .registry import VOCU


class VocuProvider(ProviderBasics):
    info: ProviderInfo = VOCU

    def __init__(
        self,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        base_url: str | None = None,
        max_chars_per_request: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.client = VocuClient(
            api_key,
            session=session,
            base_url=base_url or VOCU.default_base_url,
            max_chars_per_request=max_chars_per_request or VOCU.max_chars_per_request,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"VocuProvider(base_url={self.client.base_url!r})"

    @property
    def _transport(self) -> Transport:
        return self.client._transport

    @property
    def max_chars_per_request(self) -> int:
        return self.client.max_chars_per_request

    async def close(self) -> None:
        await self.client.close()

    @bounded
    async def list_voices(
        self, *, include_builtin: bool = True, deadline: Deadline | None = None
    ) -> list[Voice]:
        voices = await self.client.list_voices(include_market=include_builtin)
        # Own clones first (the service lists purchased market voices first).
        return sorted(voices, key=lambda voice: voice.is_market)

    @bounded
    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        """Vocu does not page: page 0 holds every own (or market) voice."""
        everything = await self.client.list_voices(include_market=builtin)
        chosen = [voice for voice in everything if voice.is_market == builtin]
        start = page * page_size
        return VoicePage(
            voices=tuple(chosen[start : start + page_size]),
            page=page,
            page_size=page_size,
            has_more=start + page_size < len(chosen),
            total=len(chosen),
        )

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        return await self.client.get_voice(voice_id)

    @bounded
    async def clone_voice(
        self,
        name: str,
        audio: bytes | None = None,
        *,
        audio_url: str | None = None,
        filename: str = "sample.wav",
        language: str | None = None,
        noise_reduction: bool = True,
        deadline: Deadline | None = None,
    ) -> Voice:
        check_clone_input(self.name, name, audio, audio_url, url_supported=False)
        return await self.client.create_voice(
            name, audio or b"", filename=filename, language=language, vocal_filter=noise_reduction
        )

    async def wait_for_voice(
        self,
        voice_id: str,
        *,
        timeout: float = 300,
        poll_interval: float = 2.0,
        on_progress: Callable[[Voice], None] | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        return await self.client.wait_for_voice(
            voice_id,
            timeout=timeout,
            poll_interval=poll_interval,
            on_progress=on_progress,
            deadline=deadline,
        )

    @bounded
    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None:
        await self.client.delete_voice(voice_id)

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        return self.client.stream_speech(text, voice_id, options, deadline=deadline)

    def iter_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> AsyncIterator[bytes]:
        return self.client.iter_speech(text, voice_id, options, deadline=deadline)

    @bounded
    async def synthesize(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> bytes:
        return await self.client.synthesize(text, voice_id, options)

    @bounded
    async def get_account(self, *, deadline: Deadline | None = None) -> Account:
        return await self.client.get_account()

    @bounded
    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        """Unpaid accounts get a finished job's audio URL instead of a live stream."""
        return await self.client.create_playable_url(text, voice_id, options, deadline=deadline)
