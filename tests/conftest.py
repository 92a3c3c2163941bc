"""Shared fixtures for every layer: the local Vocu emulator and loopback-only sockets."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator

import canary
import pytest

pytest_plugins = ["vocu_emulator.pytest_plugin", "postgres_cluster"]

# A thread that is not a daemon and never ends keeps Python from exiting after the last test:
# CI then waits for its time limit instead of reporting (an aiosqlite worker once did this).
_LEFTOVER_THREAD_GRACE_SECONDS = 15.0
_session_status: list[int] = [0]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _session_status[0] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run with its status, failing it, if a non-daemon thread would keep it alive."""
    deadline = time.monotonic() + _LEFTOVER_THREAD_GRACE_SECONDS
    leftovers = []
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            leftovers.append(thread.name)
    if leftovers:
        print(
            f"\nFAILED: threads still running after the last test, the run could not exit: "
            f"{', '.join(leftovers)}",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        os._exit(max(_session_status[0], 1))


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests open TCP sockets; pytest-homeassistant's allow-list still limits them to 127.0.0.1.

    The only remote the tests talk to is the emulator on loopback, so real HTTP is exercised while
    any attempt to reach the internet still fails the test.
    """


@pytest.fixture(autouse=True)
def _bot_modules_stay_the_same() -> Iterator[None]:
    """Put back the `vocu_discord` modules a closing bot took out of ``sys.modules``.

    discord.py's ``Bot.close()`` unloads its extensions, and unloading drops the extension's
    modules from ``sys.modules``; the next import makes new module objects, so an exception class
    a later test imported at the top no longer matches the one raised (order-dependent failures).
    """
    before = {
        name: module for name, module in sys.modules.items() if name.startswith("vocu_discord")
    }
    yield
    sys.modules.update(before)


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
