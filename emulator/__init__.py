"""A local, Vocu-compatible server with real MP3 speech, for tests, demos and benchmarks."""

from __future__ import annotations

from .app import Emulator, RecordedRequest, RunningEmulator, serve
from .faults import Fault
from .handle import EmulatorHandle, run_emulator
from .state import EmulatorState, Pacing

__all__ = [
    "Emulator",
    "EmulatorHandle",
    "EmulatorState",
    "Fault",
    "Pacing",
    "RecordedRequest",
    "RunningEmulator",
    "run_emulator",
    "serve",
]
