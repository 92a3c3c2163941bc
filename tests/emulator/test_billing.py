"""Credits fall per character on success and run out; concurrent synchronous generations hit 429."""

from __future__ import annotations

import asyncio

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID, LOW_CREDIT_TOKEN, PAID_TOKEN

from .conftest import auth


async def generate(
    http: aiohttp.ClientSession, emu: EmulatorHandle, text: str, token: str = PAID_TOKEN
) -> tuple[int, dict]:
    async with http.post(
        emu.url("/api/tts/simple-generate"),
        json={"voiceId": ALICE_ID, "text": text},
        headers=auth(token),
    ) as resp:
        return resp.status, await resp.json()


async def credits(http: aiohttp.ClientSession, emu: EmulatorHandle, token: str) -> float:
    async with http.get(emu.url("/api/account/info"), headers=auth(token)) as resp:
        user = (await resp.json())["user"]
    return user["credit"] + user["bonusCredit"]


async def test_credits_fall_by_characters_then_run_out(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    assert await credits(http, vocu_emulator, LOW_CREDIT_TOKEN) == 12
    status, body = await generate(http, vocu_emulator, "Hi there.", LOW_CREDIT_TOKEN)
    assert (status, body["data"]["credit_used"]) == (200, 9)
    assert await credits(http, vocu_emulator, LOW_CREDIT_TOKEN) == 3
    status, body = await generate(http, vocu_emulator, "Too long now.", LOW_CREDIT_TOKEN)
    assert (status, body["code"]) == (403, "BILLING_INSUFFICIENT_CREDIT")
    assert await credits(http, vocu_emulator, LOW_CREDIT_TOKEN) == 3  # a refusal is free


async def test_set_credits_helper(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.state.set_credits(PAID_TOKEN, 4)
    status, body = await generate(http, vocu_emulator, "Hello", PAID_TOKEN)
    assert (status, body["code"]) == (403, "BILLING_INSUFFICIENT_CREDIT")


async def test_concurrency_above_quota_is_429_with_retry_after(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.state.set_quota(PAID_TOKEN, syncBaseConcurrent=1, syncPaidConcurrent=1)
    # Slow streams keep their slots busy while the third request arrives.
    vocu_emulator.set_pacing(chunk_interval=0.2, chunk_bytes=256)
    url = vocu_emulator.url("/api/tts/simple-generate.mp3")
    query = {"voiceId": ALICE_ID, "text": "A sentence long enough to stream for a while."}
    open_streams = [await http.get(url, params=query, headers=auth()) for _ in range(2)]
    try:
        assert [r.status for r in open_streams] == [200, 200]
        assert vocu_emulator.state.active_sync(PAID_TOKEN) == 2
        async with http.get(url, params=query, headers=auth()) as resp:
            body = await resp.json()
            assert resp.status == 429
            assert float(resp.headers["Retry-After"]) > 0
        assert body["code"] == "RATE_LIMIT_CONCURRENT"
    finally:
        for stream in open_streams:
            stream.close()
    for _ in range(100):  # the server notices the closed connections
        if vocu_emulator.state.active_sync(PAID_TOKEN) == 0:
            break
        await asyncio.sleep(0.05)
    async with http.get(url, params=query, headers=auth()) as resp:
        assert resp.status == 200
