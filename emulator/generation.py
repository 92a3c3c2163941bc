"""Rules shared by every generation route: text checks, billing, concurrency, audio rendering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from .api import ApiError, emulator
from .speech import Sound, SpeechEngine
from .state import Account, Audio, EmulatorState, Voice

MAX_TEXT_CHARS = 5000
BASE_RATE_WPM = 175
CHEERFUL_PITCH_BOOST = 15


def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "TTS_TEXT_EMPTY", "Text must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError(
            400, "VALIDATION_TOO_LONG", f"Text is longer than {MAX_TEXT_CHARS} characters"
        )
    return text


def check_emotions(value: Any) -> None:
    if value is None:
        return
    if (
        not isinstance(value, list)
        or len(value) != 5
        or not all(isinstance(v, int | float) and 0 <= v <= 10 for v in value)
    ):
        raise ApiError(
            400, "VALIDATION_INVALID_VALUE", "emo_switch must be five numbers between 0 and 10"
        )


def check_credit(account: Account, characters: int) -> None:
    if account.balance < characters:
        raise ApiError(
            403,
            "BILLING_INSUFFICIENT_CREDIT",
            f"Insufficient remaining credits: {account.balance:g} left, {characters} needed",
        )


def style_of(voice: Voice, style_id: Any) -> str:
    style_id = str(style_id or "default")
    style = voice.style(style_id)
    if style is None:
        raise ApiError(404, "RESOURCE_NOT_FOUND", f"Style {style_id} not found on this voice")
    return style.id


def sound_of(voice: Voice, style_id: str, speech_rate: Any = None) -> Sound:
    """espeak parameters for a voice+style; `speechRate` is a duration multiplier (0.5–2)."""
    pitch = voice.pitch
    if style_id != "default":
        pitch = min(99, pitch + CHEERFUL_PITCH_BOOST)
    rate = BASE_RATE_WPM
    try:
        multiplier = float(speech_rate) if speech_rate is not None else 1.0
    except (TypeError, ValueError):
        multiplier = 1.0
    if 0.5 <= multiplier <= 2.0:  # out-of-range values are ignored, as the service does
        rate = round(BASE_RATE_WPM / multiplier)
    return Sound(voice.espeak, pitch, rate)


async def wait_over_quota(request: web.Request, account: Account) -> None:
    """Reading `quota_wait=other`: over the quota, block the documented ~330 s before the 429.

    Ends early when a slot frees up (the request then proceeds) or the emulator is reset.
    """
    emu = emulator(request)
    if not emu.readings.other("quota_wait"):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + emu.readings.quota_wait
    generation = emu.generation
    while loop.time() < deadline and generation == emu.generation:
        with emu.state.lock:
            if account.active_sync < account.sync_limit:
                return
        await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))


@contextlib.contextmanager
def sync_slot(emulator_state: EmulatorState, account: Account) -> Iterator[None]:
    """Hold one of the account's synchronous-generation slots, or answer 429."""
    with emulator_state.lock:
        if account.active_sync >= account.sync_limit:
            raise ApiError(
                429,
                "RATE_LIMIT_CONCURRENT",
                f"Too many concurrent generations (limit {account.sync_limit})",
                retry_after=1,
            )
        account.active_sync += 1
    try:
        yield
    finally:
        with emulator_state.lock:
            account.active_sync -= 1


async def render(speech: SpeechEngine, emulator_state: EmulatorState, audio: Audio) -> bytes:
    """The MP3 of an audio record; a merged audio is its parts' MP3 frames back to back."""
    if audio.parts:
        with emulator_state.lock:
            parts = [emulator_state.audio[part] for part in audio.parts]
        return b"".join([await render(speech, emulator_state, part) for part in parts])
    return await speech.mp3(audio.text, audio.sound)
