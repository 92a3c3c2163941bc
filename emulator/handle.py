"""`EmulatorHandle`: what tests and tools hold to steer a running emulator."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from .app import Emulator, RecordedRequest, serve
from .faults import Fault
from .state import EmulatorState, Pacing


class EmulatorHandle:
    """A running emulator: its URL, its state, fault injection, pacing and recorded requests.

    Every method is thread-safe, so a test on one event loop can steer a server on another.
    """

    def __init__(self, emulator: Emulator, base_url: str, reset_pacing: Pacing | None = None):
        self._emulator = emulator
        self.base_url = base_url
        self._reset_pacing = reset_pacing

    def __repr__(self) -> str:
        return f"EmulatorHandle({self.base_url})"

    @property
    def state(self) -> EmulatorState:
        return self._emulator.state

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received since the last reset (Authorization redacted; no control routes)."""
        return self._emulator.requests

    @property
    def pacing(self) -> Pacing:
        return self._emulator.state.pacing

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def inject(self, fault: Fault | None = None, **fields: Any) -> Fault:
        """Inject `fault` (or `Fault(**fields)`); returns it so a test can inspect `times` left."""
        fault = fault or Fault(**fields)
        self._emulator.inject(fault)
        return fault

    def clear_faults(self) -> None:
        self._emulator.faults.clear()

    def set_pacing(self, **changes: Any) -> Pacing:
        """E.g. `set_pacing(first_byte_delay=0.5, chunk_interval=0.1, chunk_bytes=1024)`."""
        return self._emulator.set_pacing(**changes)

    def set_readings(self, **readings: str | float) -> dict[str, object]:
        """E.g. `set_readings(direct_stream="other")`: answer that ambiguity the other way."""
        self._emulator.readings.update(readings)
        return self._emulator.readings.to_dict()

    @property
    def readings(self) -> dict[str, object]:
        return self._emulator.readings.to_dict()

    def reset(self) -> None:
        """Seeded data, no faults, no recorded requests, test pacing, every reading ours."""
        self._emulator.reset(self._reset_pacing)


@contextlib.asynccontextmanager
async def run_emulator(
    host: str = "127.0.0.1", port: int = 0, pacing: Pacing | None = None
) -> AsyncIterator[EmulatorHandle]:
    """Run an emulator on the current event loop: `async with run_emulator() as emu: ...`."""
    async with serve(host, port, pacing=pacing) as running:
        yield EmulatorHandle(running.emulator, running.base_url, pacing)
