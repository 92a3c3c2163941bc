"""What a loaded Vocu config entry carries at runtime (`entry.runtime_data`)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .client import VocuClient
from .coordinator import VocuCoordinator
from .guard import SynthesisGuard


@dataclass
class VocuData:
    """The account's client, its polled state and the synthesis cost guard, shared by platforms."""

    client: VocuClient
    coordinator: VocuCoordinator
    guard: SynthesisGuard


type VocuConfigEntry = ConfigEntry[VocuData]
