"""Waiting for a freshly cloned voice to become usable, the same way for every service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from . import errors
from .models import Voice


async def poll_until_ready(
    get_voice: Callable[[str], Awaitable[Voice]],
    voice_id: str,
    *,
    timeout: float,
    poll_interval: float,
    on_progress: Callable[[Voice], None] | None,
    failed_statuses: frozenset[str] = frozenset({"failed"}),
) -> Voice:
    """Shared ``wait_for_voice``: poll ``get_voice`` until usable, failed or out of time."""
    deadline = time.monotonic() + timeout
    while True:
        voice = await get_voice(voice_id)
        if on_progress is not None:
            on_progress(voice)
        if voice.usable:
            return voice
        if voice.status in failed_statuses:
            raise errors.VoiceNotReadyError(
                f"voice {voice.name or voice_id} could not be created (status {voice.status})",
                code="VOICE_CREATE_FAILED",
                voice_status=voice.status,
                provider=voice.provider,
            )
        if time.monotonic() + poll_interval > deadline:
            raise errors.VoiceNotReadyError(
                f"voice {voice.name or voice_id} is still {voice.status} after {timeout:g} s",
                code="VOICE_CREATING",
                voice_status=voice.status,
                provider=voice.provider,
            )
        await asyncio.sleep(poll_interval)
