"""Shared by the transport robustness tests: clients on the emulator, fast retries."""

from __future__ import annotations

from typing import Any

from vocu_client import RetryPolicy, Timeouts
from vocu_client.providers import create_provider
from vocu_emulator import seed

FAST_RETRY = RetryPolicy(
    attempts=3, backoff=0.01, max_backoff=0.05, synthesis_attempts=3, max_retry_after=5.0
)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)

# name -> (key, base-url suffix, voice-list path glob, billed request glob, MP3 body glob, voice)
SERVICES: dict[str, tuple[str, str, str, str, str, str]] = {
    "vocu": (
        seed.PAID_TOKEN, "", "/api/voice", "/api/tts/simple-generate*",
        "/api/tts/simple-generate*", seed.BOB_ID,
    ),
    "noiz": (
        seed.NOIZ_KEY, "/noiz/v1", "/noiz/v1/voices*", "/noiz/v1/text-to-speech",
        "/noiz/v1/text-to-speech", seed.NOIZ_VOICE_ID,
    ),
    "minimax": (
        seed.USEAPI_TOKEN, "/useapi/v1/minimax", "/useapi/v1/minimax/audio/voices*",
        "/useapi/v1/minimax/audio/create-mp3", "/useapi/cdn/minimax/*", seed.MINIMAX_CLONE_ID,
    ),
    "minimax_official": (
        seed.MINIMAX_API_KEY, "/minimax", "/minimax/v1/get_voice", "/minimax/v1/t2a_v2",
        "/minimax/v1/t2a_v2", seed.MINIMAX_OFFICIAL_CLONE_ID,
    ),
}  # fmt: skip


def provider_on(emulator: Any, name: str, **kwargs: Any) -> Any:
    key, suffix, *_ = SERVICES[name]
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeouts", FAST_TIMEOUTS)
    return create_provider(name, key, base_url=emulator.base_url + suffix, **kwargs)
