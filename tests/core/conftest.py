"""Core client tests: a real VocuClient over real HTTP against the emulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from vocu_client import RetryPolicy, Timeouts, VocuClient
from vocu_emulator import seed

# Tiny but real backoff so retry tests stay quick; 429 waits honour the emulator's Retry-After.
FAST_RETRY = RetryPolicy(
    attempts=3, backoff=0.01, max_backoff=0.05, synthesis_attempts=3, max_retry_after=5.0
)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)

ClientFactory = Callable[..., VocuClient]


@pytest.fixture
async def make_client(vocu_emulator: Any) -> AsyncIterator[ClientFactory]:
    """Build clients on the emulator (closed after the test); `token=` picks the account."""
    made: list[VocuClient] = []

    def factory(token: str = seed.PAID_TOKEN, **kwargs: Any) -> VocuClient:
        kwargs.setdefault("base_url", vocu_emulator.base_url)
        kwargs.setdefault("timeouts", FAST_TIMEOUTS)
        kwargs.setdefault("retry", FAST_RETRY)
        client = VocuClient(token, **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> VocuClient:
    """A paid account's client."""
    return make_client()


def requests_to(emulator: Any, path: str, method: str | None = None) -> list[Any]:
    return [
        r for r in emulator.requests if r.path == path and (method is None or r.method == method)
    ]
