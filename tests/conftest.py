"""Shared fixtures for every layer: the local Vocu emulator and loopback-only sockets."""

from __future__ import annotations

import pytest

pytest_plugins = ["vocu_emulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests open TCP sockets; pytest-homeassistant's allow-list still limits them to 127.0.0.1.

    The only remote the tests talk to is the emulator on loopback, so real HTTP is exercised while
    any attempt to reach the internet still fails the test.
    """
