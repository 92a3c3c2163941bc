"""Helpers for the emulator's own tests: raw aiohttp against the `vocu_emulator` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from vocu_emulator.seed import PAID_TOKEN


def auth(token: str = PAID_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
