"""The emulator's Noiz (/noiz/v1) and useapi.net MiniMax (/useapi/v1/minimax) routes, raw HTTP."""

from __future__ import annotations

import io
import wave
from typing import Any

import aiohttp
import mutagen.mp3
from vocu_emulator import Fault, seed

NOIZ = {"Authorization": seed.NOIZ_KEY}
USEAPI = {"Authorization": f"Bearer {seed.USEAPI_TOKEN}"}
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)


def form(**fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for key, value in fields.items():
        data.add_field(key, value)
    return data


async def test_noiz_rejects_bearer_and_unknown_keys(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/noiz/v1/voices")
    for header in (f"Bearer {seed.NOIZ_KEY}", "unknown-key"):
        async with http.get(url, headers={"Authorization": header}) as response:
            assert response.status == 401
            body = await response.json()
    assert body["code"] == 401 and body["message"] and "requestId" not in body


async def test_noiz_pages_by_page_number_with_total(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/noiz/v1/voices")
    pages = []
    for page in (0, 1):
        params = {"voice_type": "built-in", "skip": str(page), "limit": "2"}
        async with http.get(url, params=params, headers=NOIZ) as response:
            body = await response.json()
        assert body["code"] == 0 and body["data"]["total_count"] == 3
        pages.append([v["voice_id"] for v in body["data"]["voices"]])
    assert pages == [list(seed.NOIZ_BUILTIN_IDS[:2]), [seed.NOIZ_BUILTIN_IDS[2]]]


async def test_noiz_clone_soft_delete_and_formats(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/noiz/v1/voices")
    data = aiohttp.FormData()
    data.add_field("file", WAV, filename="me.wav", content_type="audio/wav")
    data.add_field("display_name", "Me")
    async with http.post(url, data=data, headers=NOIZ) as response:
        voice_id = (await response.json())["data"]["voice_id"]
    async with http.delete(f"{url}/{voice_id}", headers=NOIZ) as response:
        assert (await response.json())["code"] == 0
    async with http.get(f"{url}/{voice_id}", headers=NOIZ) as response:
        assert response.status == 404 and (await response.json())["code"] == 404
    bad = aiohttp.FormData()
    bad.add_field("file", b"not audio at all", filename="x.txt")
    async with http.post(url, data=bad, headers=NOIZ) as response:
        assert response.status == 400 and "WAV" in (await response.json())["message"]


async def test_noiz_tts_defaults_to_wav_and_speaks_mp3_on_request(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/noiz/v1/text-to-speech")
    async with http.post(
        url, data=form(text="Hello.", voice_id=seed.NOIZ_VOICE_ID), headers=NOIZ
    ) as response:
        assert response.content_type == "audio/wav"
        with wave.open(io.BytesIO(await response.read())) as wav:
            assert wav.getnframes() > 1000
    fields = form(text="Hello.", voice_id=seed.NOIZ_VOICE_ID, output_format="mp3")
    async with http.post(url, data=fields, headers=NOIZ) as response:
        assert response.content_type == "audio/mpeg"
        assert float(response.headers["X-Audio-Duration"]) > 0.3
        assert mutagen.mp3.MP3(io.BytesIO(await response.read())).info.length > 0.3


async def test_noiz_out_of_credit_is_http_200_with_code_402(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    fields = form(text="More than five characters.", voice_id=seed.NOIZ_VOICE_ID)
    headers = {"Authorization": seed.NOIZ_LOW_CREDIT_KEY}
    url = vocu_emulator.url("/noiz/v1/text-to-speech")
    async with http.post(url, data=fields, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["code"] == 402


async def test_faults_take_each_services_error_shape(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.inject(Fault(path="/noiz/v1/voices", status=429, message="slow down"))
    async with http.get(vocu_emulator.url("/noiz/v1/voices"), headers=NOIZ) as response:
        assert response.status == 429 and "Retry-After" in response.headers
        assert await response.json() == {"code": 429, "message": "slow down", "data": None}
    vocu_emulator.inject(Fault(path="/useapi/v1/minimax/*", status=503, message="down"))
    async with http.get(
        vocu_emulator.url("/useapi/v1/minimax/audio/voices/"), headers=USEAPI
    ) as response:
        assert response.status == 503
        assert await response.json() == {"error": "down", "code": 503}
    assert [r.path for r in vocu_emulator.requests][-1] == "/useapi/v1/minimax/audio/voices/"


async def test_minimax_clone_flow_and_idempotent_delete(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    base = vocu_emulator.url("/useapi/v1/minimax/audio")
    headers = {**USEAPI, "Content-Type": "audio/wav"}
    async with http.post(f"{base}/upload-sample/", data=WAV, headers=headers) as response:
        file_id = (await response.json())["fileID"]
    body = {"voice_name": "Me", "language_tag": "English", "files": file_id}
    async with http.post(f"{base}/clone-voice", json=body, headers=USEAPI) as response:
        voice_id = (await response.json())["voice_id"]
    for _ in range(2):
        async with http.post(
            f"{base}/delete-voice", json={"voice_id": voice_id}, headers=USEAPI
        ) as response:
            assert response.status == 200
    async with http.post(f"{base}/clone-voice", json=body | {"files": "nope"}, headers=USEAPI) as r:
        assert r.status == 400 and (await r.json())["code"] == 400
    bad = {**USEAPI, "Content-Type": "audio/flac"}
    async with http.post(f"{base}/upload-sample/", data=WAV, headers=bad) as response:
        assert response.status == 400


async def test_minimax_account_rules_and_payment(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/useapi/v1/minimax/audio/config/")
    multi = {"Authorization": f"Bearer {seed.USEAPI_MULTI_TOKEN}"}
    async with http.get(url, headers=multi) as response:
        assert response.status == 400 and "account" in (await response.json())["error"]
    params = {"account": seed.MINIMAX_ACCOUNTS_MULTI[0]}
    async with http.get(url, params=params, headers=multi) as response:
        assert response.status == 200 and (await response.json())["t2a_emotion"]
    expired = {"Authorization": f"Bearer {seed.USEAPI_EXPIRED_TOKEN}"}
    async with http.get(url, headers=expired) as response:
        assert response.status == 402


async def test_minimax_create_mp3_limits_and_public_audio_url(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/useapi/v1/minimax/audio/create-mp3")
    too_long = {"text": "x" * 501, "voice_id": seed.MINIMAX_CLONE_ID}
    async with http.post(url, json=too_long, headers=USEAPI) as response:
        assert response.status == 400 and "500" in (await response.json())["error"]
    body = {"text": "Hello there.", "voice_id": seed.MINIMAX_SYSTEM_IDS[3], "speed": 1.2}
    async with http.post(url, json=body, headers=USEAPI) as response:
        audio_url = (await response.json())["audio_url"]
    async with http.get(audio_url) as response:  # no Authorization: a public CDN URL
        assert mutagen.mp3.MP3(io.BytesIO(await response.read())).info.length > 0.3
