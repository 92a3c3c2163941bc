"""Pytest plugin: the `vocu_emulator` fixture (one server per session, reset before each test).

The server runs in a background thread with its own event loop, so it outlives Home Assistant's
per-test loop; it is created during session setup, before the HA harness records the threads that
exist when a test starts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .background import BackgroundEmulator
from .handle import EmulatorHandle
from .state import Pacing


@pytest.fixture(scope="session")
def vocu_emulator_session() -> Iterator[EmulatorHandle]:
    """The session-wide emulator server (prefer the function-scoped `vocu_emulator`)."""
    server = BackgroundEmulator(Pacing.fast())
    handle = server.start(reset_pacing=Pacing.fast())
    try:
        yield handle
    finally:
        server.stop()


@pytest.fixture
def vocu_emulator(vocu_emulator_session: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """A freshly reset emulator: seeded data, no faults, no recorded requests, fast pacing."""
    vocu_emulator_session.reset()
    yield vocu_emulator_session
    vocu_emulator_session.reset()  # releases requests a test left hanging
