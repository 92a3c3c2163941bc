"""Shared fixtures for every layer: the local Vocu emulator and loopback-only sockets."""

from __future__ import annotations

from collections.abc import Iterator

import canary
import pytest

pytest_plugins = ["vocu_emulator.pytest_plugin", "postgres_cluster"]


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests open TCP sockets; pytest-homeassistant's allow-list still limits them to 127.0.0.1.

    The only remote the tests talk to is the emulator on loopback, so real HTTP is exercised while
    any attempt to reach the internet still fails the test.
    """


@pytest.fixture(autouse=True)
def _canary_key_never_leaks(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a test whose log records of our loggers, our errors or the output of our CLI, bot
    and `hass` processes hold a key of the suite (see tests/canary.py).

    Only the tests of the check itself (marked `leaks_key`) are exempt.
    """
    if request.node.get_closest_marker("leaks_key"):
        yield
        return
    watcher = canary.watch(monkeypatch)
    found = next(watcher)
    yield
    next(watcher, None)
    if found:
        pytest.fail(f"a key of the test suite leaked into our output: {found}", pytrace=False)
