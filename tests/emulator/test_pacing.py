"""Streaming pace: chunk size and the number of chunks follow the configured pacing."""

from __future__ import annotations

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID

from .conftest import auth


async def test_body_arrives_in_configured_chunks(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_pacing(chunk_bytes=500, chunk_interval=0.02)
    query = {"voiceId": ALICE_ID, "text": "Streaming in small pieces, one after another."}
    chunks: list[bytes] = []
    async with http.get(
        vocu_emulator.url("/api/tts/simple-generate.mp3"), params=query, headers=auth()
    ) as resp:
        assert resp.headers["Transfer-Encoding"] == "chunked"
        async for chunk in resp.content.iter_chunks():
            chunks.append(chunk[0])
    total = sum(len(c) for c in chunks)
    assert total > 2000
    assert max(len(c) for c in chunks) <= 500
    assert len(chunks) >= total // 500


async def test_reset_restores_fast_pacing(vocu_emulator: EmulatorHandle) -> None:
    vocu_emulator.set_pacing(first_byte_delay=3.0)
    vocu_emulator.reset()
    assert vocu_emulator.pacing.first_byte_delay < 0.05
