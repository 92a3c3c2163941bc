"""What a loaded config entry carries at runtime (`entry.runtime_data`)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .client.providers import VoiceProvider
from .coordinator import VocuCoordinator
from .fallback import FallbackNotice
from .guard import SynthesisGuard
from .spoken import SpeechLog


@dataclass
class VocuData:
    """The entry's voice provider, its polled state, the synthesis cost guard and the log of
    what each announcement cost."""

    client: VoiceProvider
    coordinator: VocuCoordinator
    guard: SynthesisGuard
    speech_log: SpeechLog
    fallback: FallbackNotice


type VocuConfigEntry = ConfigEntry[VocuData]
