"""The suite-wide canary check (tests/canary.py) really catches a leak in each place it watches."""

from __future__ import annotations

import logging
import subprocess
import sys

import canary
import pytest
from vocu_client import errors
from vocu_emulator import seed

pytestmark = pytest.mark.leaks_key


def _run_watch(action) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as patch:
        watcher = canary.watch(patch)
        found = next(watcher)
        action()
        next(watcher, None)
    return found


def test_a_key_in_our_log_records_is_caught() -> None:
    logger = logging.getLogger("vocu_client.test")
    assert _run_watch(lambda: logger.error("key %s", seed.PAID_TOKEN))
    assert _run_watch(lambda: logging.getLogger("vocu_discord.x").warning(seed.NOIZ_KEY[-20:]))
    # the emulator's own logger is not ours: it echoes the key on purpose in adversarial mode
    assert not _run_watch(lambda: logging.getLogger("vocu_emulator").error(seed.PAID_TOKEN))


def test_a_key_in_one_of_our_errors_is_caught() -> None:
    assert _run_watch(lambda: errors.ServerError("x", request_id=f"rid-{seed.USEAPI_TOKEN}"))
    assert not _run_watch(
        lambda: errors.ServerError("x", request_id=seed.USEAPI_TOKEN).redact([seed.USEAPI_TOKEN])
    )


def test_a_key_in_a_subprocess_output_is_caught() -> None:
    def speak() -> None:
        subprocess.run(
            [sys.executable, "-c", f"print({seed.FREE_TOKEN!r})"],
            capture_output=True,
            text=True,
            check=True,
        )

    assert _run_watch(speak)
