"""What a loaded config entry carries at runtime (`entry.runtime_data`)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .client.providers import VoiceProvider
from .coordinator import VocuCoordinator
from .guard import SynthesisGuard


@dataclass
class VocuData:
    """The entry's voice provider, its polled state and the synthesis cost guard."""

    client: VoiceProvider
    coordinator: VocuCoordinator
    guard: SynthesisGuard


type VocuConfigEntry = ConfigEntry[VocuData]
