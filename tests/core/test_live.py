"""Smoke test against the real Vocu service: runs only when VOCU_TOKEN is set."""

from __future__ import annotations

import os

import pytest
from vocu_client import VocuClient

pytestmark = pytest.mark.live

TOKEN = os.environ.get("VOCU_TOKEN", "").strip()
BASE_URL = os.environ.get("VOCU_BASE_URL", "vocu.ai")


@pytest.mark.skipif(
    not TOKEN, reason="VOCU_TOKEN is not set: the live Vocu smoke test needs a real API key"
)
async def test_live_account_voices_and_a_short_stream() -> None:
    async with VocuClient(TOKEN, base_url=BASE_URL) as client:
        account = await client.get_account()
        assert account.user_id
        voices = [v for v in await client.list_voices() if v.usable]
        assert voices, "the account has no usable voice to speak with"
        if account.is_paid:
            async with client.stream_speech("Hi.", voices[0].id) as stream:
                first = await anext(aiter(stream))
            assert first[:3] == b"ID3" or first[0] == 0xFF
