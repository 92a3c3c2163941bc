"""Helpers for the TTS and services tests: HA's TTS machinery, MP3 checks, emulator reads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from homeassistant.components import media_source, tts
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from mutagen.mp3 import MP3
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vocu.const import DOMAIN
from custom_components.vocu.entity import entry_identity

SYNTH_PATH = "/api/tts/simple-generate"


@pytest.fixture
async def tts_ready(hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tts` and `media_source` loaded, with the TTS file cache in a temporary folder."""
    monkeypatch.setattr(tts, "DEFAULT_CACHE_DIR", str(tmp_path / "tts"))
    assert await async_setup_component(hass, "homeassistant", {})
    # HA's ffmpeg integration (a tts dependency) looks for `ffmpeg` on PATH; use the bundled one.
    assert await async_setup_component(
        hass, "ffmpeg", {"ffmpeg": {"ffmpeg_bin": imageio_ffmpeg.get_ffmpeg_exe()}}
    )
    assert await async_setup_component(hass, tts.DOMAIN, {})
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()


def tts_entity_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "tts", DOMAIN, f"{entry_identity(entry)}_tts"
    )
    assert entity_id is not None
    return entity_id


def mp3_duration(data: bytes) -> float:
    """Seconds of audio; fails the test when `data` is not a valid MP3 stream."""
    assert data, "no audio"
    return MP3(io.BytesIO(data)).info.length


async def speak_audio(
    hass: HomeAssistant,
    engine: str,
    message: str,
    options: dict[str, Any] | None = None,
    language: str | None = None,
) -> bytes:
    """The audio of a one-shot message through HA's media source (same path as tts.speak)."""
    media_id = tts.generate_media_source_id(
        hass, message, engine=engine, language=language, options=options, cache=False
    )
    extension, data = await tts.async_get_media_source_audio(hass, media_id)
    assert extension == "mp3"
    return data


async def resolve_url(hass: HomeAssistant, media_id: str) -> str:
    return (await media_source.async_resolve_media(hass, media_id, None)).url


def synth_requests(emulator: Any) -> list[Any]:
    """Recorded synthesis requests (GET .mp3 form and POST forms alike)."""
    return [r for r in emulator.requests if r.path.startswith(SYNTH_PATH)]


def request_text(request: Any) -> str:
    return str((request.json or {}).get("text") or request.query.get("text") or "")


def request_voice(request: Any) -> str:
    return str((request.json or {}).get("voiceId") or request.query.get("voiceId") or "")


def request_style(request: Any) -> str:
    return str((request.json or {}).get("promptId") or request.query.get("promptId") or "")
