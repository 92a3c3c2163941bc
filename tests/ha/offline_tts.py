"""`offline_tts`: a small offline TTS integration for the tests, the fallback engine's stand-in.

It keeps the rules of what it stands for (Piper): a config-entry TTS entity answering WAV, which
Home Assistant converts to MP3 with FFmpeg when a caller asks for `preferred_format: mp3`. The
audio is a tone as long as the text would take to say, so a test can tell it from the emulator's.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.components.tts import TextToSpeechEntity, TtsAudioType
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

DOMAIN = "offline_tts"
RATE = 16_000
SECONDS_PER_CHARACTER = 0.05


def tone_wav(seconds: float) -> bytes:
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / RATE)))
        for n in range(int(seconds * RATE))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(frames)
    return out.getvalue()


class OfflineTTSEntity(TextToSpeechEntity):
    _attr_name = "Offline speech"
    _attr_unique_id = "offline-speech"
    _attr_default_language = "en"

    def __init__(self) -> None:
        self._attr_supported_languages = ["en", "de", "zh"]
        self.messages: list[str] = []

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        self.messages.append(message)
        return "wav", tone_wav(max(0.5, len(message) * SECONDS_PER_CHARACTER))


class _OfflineFlow(ConfigFlow):
    """Config entries need a flow handler; this integration is only ever added by the tests."""


@pytest.fixture
async def offline_tts(hass: HomeAssistant) -> AsyncIterator[OfflineTTSEntity]:
    """The offline TTS entity, loaded (needs the `tts_ready` fixture first)."""
    entity = OfflineTTSEntity()

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, ["tts"])
        return True

    async def setup_tts(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        add([entity])

    mock_integration(hass, MockModule(DOMAIN, async_setup_entry=setup_entry))
    mock_platform(hass, f"{DOMAIN}.tts", MockPlatform(async_setup_entry=setup_tts))
    mock_platform(hass, f"{DOMAIN}.config_flow")
    with mock_config_flow(DOMAIN, _OfflineFlow):
        entry = MockConfigEntry(domain=DOMAIN)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert er.async_get(hass).async_get(entity.entity_id) is not None
        yield entity
