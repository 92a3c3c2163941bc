"""Readings: one emulator instance answers each ambiguity of the docs the other way on request."""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp
import pytest
from vocu_emulator import EmulatorHandle
from vocu_emulator.readings import parse_reading_args
from vocu_emulator.seed import ALICE_ID, NOIZ_KEY, PAID_TOKEN

from .conftest import auth

BODY = {"voiceId": ALICE_ID, "text": "Hello there.", "stream": True, "direct_stream": True}


async def test_readings_are_set_by_control_route_and_undone_by_reset(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        vocu_emulator.url("/_emulator/readings"), json={"direct_stream": "other"}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["data"]["direct_stream"] == "other"
    async with http.post(
        vocu_emulator.url("/api/tts/simple-generate"), json=BODY, headers=auth()
    ) as resp:
        assert resp.content_type == "application/json"
        data = (await resp.json())["data"]
        assert data["audio"] and data["streamUrl"]
    async with http.post(vocu_emulator.url("/_emulator/readings"), json={"bogus": "other"}) as resp:
        assert resp.status == 400
    vocu_emulator.reset()
    assert vocu_emulator.readings["direct_stream"] == "ours"
    async with http.post(
        vocu_emulator.url("/api/tts/simple-generate"), json=BODY, headers=auth()
    ) as resp:
        assert resp.content_type == "audio/mpeg"


def test_reading_arguments_are_checked() -> None:
    assert parse_reading_args(["get_auth=other", "quota_wait_scale=0.01"]) == {
        "get_auth": "other",
        "quota_wait_scale": "0.01",
    }
    for bad in (["nope=other"], ["get_auth"], ["get_auth=sideways"]):
        with pytest.raises(ValueError):
            parse_reading_args(bad)


async def test_command_line_reading_holds_across_resets() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vocu_emulator",
        "--port",
        "0",
        "--reading",
        "get_auth=other",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        base = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        async with aiohttp.ClientSession() as http:
            await (await http.post(f"{base}/_emulator/reset")).release()
            url = f"{base}/api/tts/simple-generate.mp3"
            query = {"voiceId": ALICE_ID, "text": "Hi."}
            async with http.get(url, params=query, headers=auth()) as resp:
                assert resp.status == 401
            async with http.get(url, params={**query, "token": PAID_TOKEN}) as resp:
                assert resp.status == 200
                assert resp.content_type == "audio/mpeg"
    finally:
        process.terminate()
        await process.wait()


async def test_get_auth_other_takes_only_the_token_query_and_records_it_redacted(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_readings(get_auth="other")
    url = vocu_emulator.url("/api/tts/simple-generate")
    query = {"voiceId": ALICE_ID, "text": "Hi."}
    async with http.get(url, params=query, headers=auth()) as resp:
        assert resp.status == 401
    async with http.get(url, params={**query, "token": PAID_TOKEN}) as resp:
        assert resp.status == 200
        await resp.read()
    recorded = [r.query for r in vocu_emulator.requests]
    assert recorded[-1]["token"] == "<redacted>"
    assert PAID_TOKEN not in repr(vocu_emulator.requests)


async def test_credit_403_other_has_no_code(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.state.set_credits(PAID_TOKEN, 1, 0)
    vocu_emulator.set_readings(credit_403="other")
    async with http.post(
        vocu_emulator.url("/api/tts/simple-generate"), json=BODY, headers=auth()
    ) as resp:
        assert resp.status == 403
        body = await resp.json()
    assert "code" not in body
    assert body["message"] == "Insufficient remaining credits"


async def test_redirect_other_moves_loopback_to_localhost(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_readings(redirect="other")
    port = vocu_emulator.base_url.rsplit(":", 1)[1]
    url = vocu_emulator.url("/api/account/info?x=1")
    async with http.get(url, headers=auth(), allow_redirects=False) as resp:
        assert resp.status == 301
        assert resp.headers["Location"] == f"http://localhost:{port}/api/account/info?x=1"
    async with http.get(
        url, headers={**auth(), "Host": "v1.vocu.ai"}, allow_redirects=False
    ) as resp:
        assert resp.headers["Location"] == "https://v1.vocu.studio/api/account/info?x=1"
    async with http.get(f"http://localhost:{port}/api/account/info", headers=auth()) as resp:
        assert resp.status == 200


async def test_quota_wait_other_blocks_the_scaled_wait_before_429(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_readings(quota_wait="other", quota_wait_scale=0.6 / 330)
    vocu_emulator.state.set_quota(PAID_TOKEN, syncBaseConcurrent=0, syncPaidConcurrent=0)
    # sync_limit is at least 1: hold that slot with a hanging stream.
    vocu_emulator.set_pacing(first_byte_delay=0.0, chunk_interval=2.0, chunk_bytes=64)
    holder = await http.post(
        vocu_emulator.url("/api/tts/simple-generate"), json=BODY, headers=auth()
    )
    try:
        started = time.monotonic()
        async with http.post(
            vocu_emulator.url("/api/tts/simple-generate"), json=BODY, headers=auth()
        ) as resp:
            assert resp.status == 429
            assert (await resp.json())["code"] == "RATE_LIMIT_CONCURRENT"
        assert time.monotonic() - started >= 0.5
    finally:
        holder.close()


async def test_noiz_voices_other_is_the_documented_shape(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": NOIZ_KEY}
    url = vocu_emulator.url("/noiz/v1/voices")
    async with http.get(url, params={"limit": "500"}, headers=headers) as resp:
        voice = (await resp.json())["data"]["voices"][0]
    assert voice["labels"] == ["warm", "narration"] and voice["preview_url"]
    vocu_emulator.set_readings(noiz_voices="other")
    async with http.get(url, params={"limit": "500"}, headers=headers) as resp:
        assert resp.status == 400
    async with http.get(url, headers=headers) as resp:
        voice = (await resp.json())["data"]["voices"][0]
    assert voice["labels"] == "warm, narration"
    async with http.get(voice["url"]) as resp:
        assert resp.content_type == "audio/mpeg"
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("voice_url", "https://example.com/a.mp3")
    form.add_field("display_name", "Zed")
    async with http.post(url, data=form, headers=headers) as resp:
        cloned = (await resp.json())["data"]
    assert cloned["voice_display_name"] == "Zed" and "display_name" not in cloned
