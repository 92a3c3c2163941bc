"""Synchronous generation: real MP3 speech, the three answer shapes, signed URLs and the rules."""

from __future__ import annotations

import io
import json

import aiohttp
import pytest
from mutagen.mp3 import MP3
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import (
    ALICE_ID,
    BOB_ID,
    CHEERFUL_STYLE_ID,
    CREATING_ID,
    FAILED_ID,
    FREE_TOKEN,
    MARKET_ID,
    PAID_TOKEN,
)

from .conftest import auth

SHORT = "Hello there."
LONG = (
    "Hello there. This sentence is a good deal longer than the first one, and it keeps going "
    "for a while so that the spoken audio lasts several times as long as the greeting."
)


def duration(mp3: bytes) -> float:
    return MP3(io.BytesIO(mp3)).info.length


async def direct(
    http: aiohttp.ClientSession, emu: EmulatorHandle, token: str = PAID_TOKEN, **body: object
) -> tuple[aiohttp.ClientResponse, bytes]:
    payload = {"voiceId": ALICE_ID, "text": SHORT, "stream": True, "direct_stream": True, **body}
    async with http.post(
        emu.url("/api/tts/simple-generate"), json=payload, headers=auth(token)
    ) as resp:
        return resp, await resp.read()


async def test_direct_stream_is_real_mp3_proportional_to_text(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    resp, short = await direct(http, vocu_emulator, text=SHORT)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "audio/mpeg"
    metadata = json.loads(resp.headers["X-Reecho-Response-Data"])
    assert metadata["id"] == resp.headers["X-Reecho-Audio-Id"]
    assert metadata["credit_used"] == len(SHORT)
    assert PAID_TOKEN not in resp.headers["X-Reecho-Response-Data"]
    _, long = await direct(http, vocu_emulator, text=LONG)
    ratio = duration(long) / duration(short)
    text_ratio = len(LONG) / len(SHORT)
    assert 0.4 * text_ratio < ratio < 1.6 * text_ratio
    assert duration(short) > 0.3


async def test_voices_and_styles_sound_different(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    _, alice = await direct(http, vocu_emulator)
    _, bob = await direct(http, vocu_emulator, voiceId=BOB_ID)
    _, cheerful = await direct(http, vocu_emulator, promptId=CHEERFUL_STYLE_ID)
    assert len({alice, bob, cheerful}) == 3


async def test_mandarin_text_is_spoken(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    resp, mp3 = await direct(http, vocu_emulator, voiceId=MARKET_ID, text="你好，今天天气很好。")
    assert resp.status == 200
    assert duration(mp3) > 1.0


async def test_get_mp3_form_streams_and_ignores_post_only_params(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    query = {"voiceId": ALICE_ID, "text": SHORT, "language": "xx", "emo_switch": "1"}
    for path in ("/api/tts/simple-generate", "/api/tts/simple-generate.mp3"):
        async with http.get(vocu_emulator.url(path), params=query, headers=auth()) as resp:
            assert resp.status == 200
            assert resp.headers["X-Reecho-Audio-Id"]
            assert duration(await resp.read()) > 0.3


async def test_json_answers_carry_signed_key_free_urls(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    url = vocu_emulator.url("/api/tts/simple-generate")
    async with http.post(url, json={"voiceId": ALICE_ID, "text": SHORT}, headers=auth()) as resp:
        plain = (await resp.json())["data"]
    async with http.post(
        url, json={"voiceId": ALICE_ID, "text": SHORT, "stream": True}, headers=auth()
    ) as resp:
        streamed = (await resp.json())["data"]
    assert plain["credit_used"] == len(SHORT)
    for link in (plain["audio"], plain["streamUrl"], streamed["audio"], streamed["streamUrl"]):
        assert link.startswith(vocu_emulator.base_url)
        assert "?auth=" in link
        assert PAID_TOKEN not in link
        async with http.get(link) as resp:  # no Authorization header
            assert resp.status == 200
            assert duration(await resp.read()) > 0.3
    forged = plain["audio"].split("?auth=")[0] + "?auth=00000000-0000-0000-0000-000000000000"
    async with http.get(forged) as resp:
        assert resp.status == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 400, "TTS_TEXT_EMPTY"),
        ({"text": "   "}, 400, "TTS_TEXT_EMPTY"),
        ({"text": "a" * 5001}, 400, "VALIDATION_TOO_LONG"),
        ({"emo_switch": [1, 2, 3]}, 400, "VALIDATION_INVALID_VALUE"),
        ({"voiceId": "0b7e0c1e-0000-4000-8000-000000000000"}, 404, "VOICE_NOT_FOUND"),
        ({"voiceId": CREATING_ID}, 409, "VOICE_CREATING"),
        ({"voiceId": FAILED_ID}, 400, "VOICE_CREATE_FAILED"),
    ],
)
async def test_generation_rules(
    vocu_emulator: EmulatorHandle,
    http: aiohttp.ClientSession,
    body: dict,
    status: int,
    code: str,
) -> None:
    resp, raw = await direct(http, vocu_emulator, **body)
    error = json.loads(raw)
    assert (resp.status, error["status"], error["code"]) == (status, status, code)
    assert error["requestId"] == resp.headers["X-Vocu-App-Request-Id"]


async def test_unknown_language_is_silently_auto(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    resp, _ = await direct(http, vocu_emulator, language="en")
    assert resp.status == 200


async def test_free_account_is_refused_synchronous_generation(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    resp, raw = await direct(http, vocu_emulator, token=FREE_TOKEN)
    assert resp.status == 403
    assert json.loads(raw)["code"] == "TTS_PAID_ONLY"


async def test_presets(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    async with http.get(vocu_emulator.url("/api/tts/presets"), headers=auth()) as resp:
        body = await resp.json()
    keys = [preset["key"] for preset in body["data"]]
    assert {"creative", "balance", "stable"} <= set(keys)
