"""The emulator's Noiz (/noiz/v1), useapi.net MiniMax (/useapi/v1/minimax) and MiniMax
(/minimax, /minimaxi) routes, raw HTTP."""

from __future__ import annotations

import io
import json
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


# -- MiniMax's own API (/minimax = api.minimax.io, /minimaxi = api.minimaxi.com) --------------

MINIMAX = {"Authorization": f"Bearer {seed.MINIMAX_API_KEY}"}


async def test_minimax_official_errors_are_base_resp_with_http_200(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/minimax/v1/get_voice")
    mainland = {"Authorization": f"Bearer {seed.MINIMAX_MAINLAND_KEY}"}
    for headers in ({}, mainland, {"Authorization": seed.MINIMAX_API_KEY}):  # wrong host, no Bearer
        async with http.post(url, json={"voice_type": "all"}, headers=headers) as response:
            assert response.status == 200
            body = await response.json()
        assert body["base_resp"]["status_code"] == 1004 and "trace_id" in body
    async with http.post(
        vocu_emulator.url("/minimaxi/v1/get_voice"), json={"voice_type": "system"}, headers=mainland
    ) as response:
        body = await response.json()
    assert body["base_resp"]["status_code"] == 0 and "voice_cloning" not in body
    assert len(body["system_voice"]) == len(seed.MINIMAX_SYSTEM_IDS)
    vocu_emulator.inject(Fault(path="/minimax/*", status=429, retry_after=3))
    vocu_emulator.inject(Fault(path="/minimax/*", status=503))
    vocu_emulator.inject(Fault(path="/minimax/*", status=403, code="1008", message="no money"))
    seen = []
    for _ in range(3):
        async with http.post(url, json={"voice_type": "all"}, headers=MINIMAX) as response:
            body = await response.json()
            seen.append((response.status, body["base_resp"]["status_code"],
                         response.headers.get("Retry-After")))  # fmt: skip
    assert seen == [(200, 1002, "3"), (503, 1000, None), (200, 1008, None)]


async def test_minimax_official_stream_is_sse_with_hex_mp3(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    body = {"model": "speech-2.8-hd", "text": "Hello there.", "stream": True,
            "stream_options": {"exclude_aggregated_audio": True},
            "voice_setting": {"voice_id": seed.MINIMAX_SYSTEM_IDS[0]}}  # fmt: skip
    url = vocu_emulator.url("/minimax/v1/t2a_v2")
    async with http.post(url, json=body, headers=MINIMAX, params={"GroupId": "1"}) as response:
        assert response.content_type == "text/event-stream"
        raw = await response.read()
    events = [json.loads(line[6:]) for line in raw.split(b"\n\n") if line.startswith(b"data: ")]
    assert [e["data"]["status"] for e in events[-2:]] == [1, 2] and events[-1]["data"][
        "audio"
    ] == ""
    mp3 = b"".join(bytes.fromhex(e["data"]["audio"]) for e in events)
    assert mutagen.mp3.MP3(io.BytesIO(mp3)).info.length > 0.5
    async with http.post(url, json={**body, "voice_setting": {"voice_id": "Nobody-0001"}},
                         headers=MINIMAX) as response:  # fmt: skip
        missing = (await response.json())["base_resp"]
    assert missing == {"status_code": 2054, "status_msg": "voice id not exist"}


async def test_minimax_official_clone_is_listed_after_first_use_and_ids_are_not_reused(
    vocu_emulator: Any, http: aiohttp.ClientSession
) -> None:
    upload = aiohttp.FormData()
    upload.add_field("purpose", "voice_clone")
    upload.add_field("file", WAV, filename="me.wav", content_type="audio/wav")
    async with http.post(vocu_emulator.url("/minimax/v1/files/upload"), data=upload,
                         headers=MINIMAX) as response:  # fmt: skip
        file_id = (await response.json())["file"]["file_id"]

    async def call(path: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with http.post(vocu_emulator.url(f"/minimax/v1/{path}"), json=payload,
                             headers=MINIMAX) as response:  # fmt: skip
            return await response.json()

    for bad_id in ("short1", "9starts", "ends-with-"):
        assert (await call("voice_clone", {"file_id": file_id, "voice_id": bad_id}))[
            "base_resp"]["status_code"] == 2013  # fmt: skip
    clone = {"file_id": file_id, "voice_id": "Fresh-voice-01"}
    assert (await call("voice_clone", clone))["base_resp"]["status_code"] == 0

    async def cloned() -> list[str]:
        answer = await call("get_voice", {"voice_type": "voice_cloning"})
        return [v["voice_id"] for v in answer["voice_cloning"]]

    assert "Fresh-voice-01" not in await cloned()
    speak = {"model": "speech-2.8-turbo", "text": "Hi.", "output_format": "url",
             "voice_setting": {"voice_id": "Fresh-voice-01"}}  # fmt: skip
    assert (await call("t2a_v2", speak))["data"]["audio"].startswith("http")
    assert "Fresh-voice-01" in await cloned()
    deleted = await call(
        "delete_voice", {"voice_type": "voice_cloning", "voice_id": "Fresh-voice-01"}
    )
    assert deleted["voice_id"] == "Fresh-voice-01"
    assert (await call("voice_clone", clone))["base_resp"]["status_code"] == 2039
