"""Each kind of injected fault, through the Python API and the HTTP control route."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import pytest
from mutagen import MutagenError
from mutagen.mp3 import MP3
from vocu_emulator import EmulatorHandle, Fault
from vocu_emulator.seed import ALICE_ID, PAID_TOKEN

from .conftest import auth

QUERY = {"voiceId": ALICE_ID, "text": "A sentence that makes a few kilobytes of speech audio."}
PATH = "/api/tts/simple-generate.mp3"


async def test_status_fault_then_normal_service(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(status=503, code="NO_WORKER_AVAILABLE", message="busy"))
    url = vocu_emulator.url(PATH)
    async with http.get(url, params=QUERY, headers=auth()) as resp:
        body = await resp.json()
        assert resp.status == 503
    assert (body["code"], body["message"]) == ("NO_WORKER_AVAILABLE", "busy")
    async with http.get(url, params=QUERY, headers=auth()) as resp:
        assert resp.status == 200  # times=1: used up


async def test_429_fault_carries_retry_after(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(path="/api/voice", status=429, retry_after=7, times=2))
    for _ in range(2):
        async with http.get(vocu_emulator.url("/api/voice"), headers=auth()) as resp:
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "7"
            assert (await resp.json())["code"] == "RATE_LIMIT_EXCEEDED"
    async with http.get(vocu_emulator.url("/api/voice"), headers=auth()) as resp:
        assert resp.status == 200


async def test_method_filter(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate*", method="POST", status=500))
    async with http.get(vocu_emulator.url(PATH), params=QUERY, headers=auth()) as resp:
        assert resp.status == 200


async def test_cut_stream_ends_without_finishing_the_body(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(cut_after_bytes=1000))
    received = bytearray()
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.get(vocu_emulator.url(PATH), params=QUERY, headers=auth()) as resp:
            assert resp.status == 200
            async for chunk in resp.content.iter_any():
                received += chunk
    assert len(received) == 1000


async def test_slow_first_byte(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    vocu_emulator.inject(Fault(first_byte_delay=5))
    timeout = aiohttp.ClientTimeout(sock_read=0.3)
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            vocu_emulator.url(PATH), params=QUERY, headers=auth(), timeout=timeout
        ) as resp:
            await resp.read()


async def test_hang_never_answers(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(path="/api/account/info", hang=True))
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            vocu_emulator.url("/api/account/info"),
            headers=auth(),
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass


async def test_garbage_instead_of_mp3(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(garbage=True))
    async with http.get(vocu_emulator.url(PATH), params=QUERY, headers=auth()) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "audio/mpeg"
        body = await resp.read()
    assert b"\xff\xfb" not in body
    with pytest.raises(MutagenError):
        MP3(io.BytesIO(body))


async def test_control_routes(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    async with http.post(
        vocu_emulator.url("/_emulator/faults"),
        json={"path": "/api/account/info", "status": 500, "code": "SYSTEM_INTERNAL_ERROR"},
    ) as resp:
        assert resp.status == 200
    async with http.get(vocu_emulator.url("/api/account/info"), headers=auth()) as resp:
        assert resp.status == 500
    async with http.post(vocu_emulator.url("/_emulator/faults"), json={"bogus": 1}) as resp:
        assert resp.status == 400
    async with http.post(
        vocu_emulator.url("/_emulator/pacing"), json={"first_byte_delay": 0.0}
    ) as resp:
        assert (await resp.json())["data"]["first_byte_delay"] == 0.0
    async with http.get(vocu_emulator.url("/_emulator/requests")) as resp:
        recorded = (await resp.json())["data"]
    assert [r["path"] for r in recorded] == ["/api/account/info"]
    assert recorded[0]["headers"]["Authorization"] == "Bearer <redacted>"
    vocu_emulator.state.set_credits(PAID_TOKEN, 0)
    async with http.post(vocu_emulator.url("/_emulator/reset")) as resp:
        assert resp.status == 200
    assert vocu_emulator.requests == []
    async with http.get(vocu_emulator.url("/api/account/info"), headers=auth()) as resp:
        assert (await resp.json())["user"]["credit"] == 100_000


async def test_requests_record_json_body(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        vocu_emulator.url("/api/tts/simple-generate"),
        json={"voiceId": ALICE_ID, "text": "Hi."},
        headers=auth(),
    ):
        pass
    (recorded,) = vocu_emulator.requests
    assert (recorded.method, recorded.path) == ("POST", "/api/tts/simple-generate")
    assert recorded.json == {"voiceId": ALICE_ID, "text": "Hi."}
    assert "sk-" not in str(recorded)
