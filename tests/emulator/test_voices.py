"""Voice lifecycle: create (creating → pending), edit, styles, transcripts, share import, delete."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID, CHEERFUL_STYLE_ID, MARKET_ID, SHARE_ID

from .conftest import auth

SAMPLE = "data:audio/wav;base64," + base64.b64encode(b"RIFF" + bytes(4000)).decode()


async def call(
    http: aiohttp.ClientSession, emu: EmulatorHandle, method: str, path: str, **kw: object
) -> tuple[int, dict]:
    async with http.request(method, emu.url(path), headers=auth(), **kw) as resp:
        return resp.status, await resp.json()


async def test_new_voice_is_creating_then_pending(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_pacing(voice_ready_delay=0.3)
    status, body = await call(
        http, vocu_emulator, "POST", "/api/voice", json={"name": "Zed", "prompt": SAMPLE}
    )
    assert status == 200
    voice_id = body["data"]["id"]
    assert body["data"]["status"] == "creating"
    status, body = await call(
        http,
        vocu_emulator,
        "POST",
        "/api/tts/simple-generate",
        json={"voiceId": voice_id, "text": "Hi"},
    )
    assert (status, body["code"]) == (409, "VOICE_CREATING")
    await asyncio.sleep(0.35)
    _, body = await call(http, vocu_emulator, "GET", f"/api/voice/{voice_id}")
    assert body["data"]["status"] == "pending"


async def test_create_voice_multipart_and_validation(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("name", "Multi")
    form.add_field("vocalFilter", "false")
    form.add_field("prompt", b"RIFF" + bytes(4000), filename="sample.wav", content_type="audio/wav")
    status, body = await call(http, vocu_emulator, "POST", "/api/voice", data=form)
    assert (status, body["data"]["name"]) == (200, "Multi")
    status, body = await call(
        http,
        vocu_emulator,
        "POST",
        "/api/voice",
        json={"name": "Tiny", "prompt": "data:audio/wav;base64,UklGRg=="},
    )
    assert (status, body["code"]) == (400, "MINIMUM_DURATION_NOT_MET")
    status, body = await call(http, vocu_emulator, "POST", "/api/voice", json={"prompt": SAMPLE})
    assert (status, body["code"]) == (400, "VALIDATION_MISSING_FIELD")
    status, body = await call(
        http,
        vocu_emulator,
        "POST",
        "/api/voice",
        json={"name": "X", "prompt": SAMPLE, "modelVersion": "v9"},
    )
    assert (status, body["code"]) == (400, "VOICE_MODEL_VERSION_INVALID")


async def test_info_avatar_and_styles(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    _, body = await call(
        http,
        vocu_emulator,
        "POST",
        f"/api/voice/{ALICE_ID}/info",
        json={"name": "", "description": "new"},
    )
    assert (body["data"]["name"], body["data"]["metadata"]["description"]) == ("Alice", "new")
    _, body = await call(
        http,
        vocu_emulator,
        "POST",
        f"/api/voice/{ALICE_ID}/avatar",
        json={"avatar": "data:image/png;base64,iVBORw0KGgo="},
    )
    assert body["data"]["metadata"]["avatar"].startswith("https://")
    _, body = await call(
        http,
        vocu_emulator,
        "POST",
        f"/api/voice/{ALICE_ID}/prompt",
        json={"name": "Calm", "prompt": SAMPLE},
    )
    new_style = body["data"]["metadata"]["prompts"][-1]
    assert new_style["name"] == "Calm"
    status, body = await call(
        http, vocu_emulator, "DELETE", f"/api/voice/{ALICE_ID}/prompt/default"
    )
    assert (status, body["code"]) == (400, "VALIDATION_BAD_PARAMS")
    status, _ = await call(http, vocu_emulator, "DELETE", f"/api/voice/{ALICE_ID}/prompt/nope")
    assert status == 200
    _, body = await call(
        http, vocu_emulator, "DELETE", f"/api/voice/{ALICE_ID}/prompt/{new_style['id']}"
    )
    assert body["data"]["metadata"]["prompts"][-1]["deleted"] is True
    status, body = await call(
        http,
        vocu_emulator,
        "POST",
        f"/api/voice/{MARKET_ID}/prompt",
        json={"name": "x", "prompt": SAMPLE},
    )
    assert (status, body["code"]) == (403, "AUTH_FORBIDDEN")


async def test_transcripts(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    path = f"/api/voice/{ALICE_ID}/prompt/{CHEERFUL_STYLE_ID}/stt"
    _, body = await call(http, vocu_emulator, "GET", path)
    assert body["data"].startswith("Hello")
    _, body = await call(http, vocu_emulator, "GET", f"/api/voice/{ALICE_ID}/prompt/default/stt")
    assert body["data"] is None
    await call(http, vocu_emulator, "POST", path, json={"text": "Corrected."})
    _, body = await call(http, vocu_emulator, "GET", path)
    assert body["data"] == "Corrected."


async def test_share_import_and_delete(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await call(
        http, vocu_emulator, "POST", "/api/voice/byShareId", json={"shareId": SHARE_ID}
    )
    assert status == 200
    voice_id = body["voiceId"]
    _, body = await call(http, vocu_emulator, "GET", f"/api/voice/{voice_id}")
    assert body["data"]["name"] == "Frank"
    status, body = await call(
        http, vocu_emulator, "POST", "/api/voice/byShareId", json={"shareId": "nope"}
    )
    assert (status, body["code"]) == (404, "VOICE_NOT_FOUND")
    assert (await call(http, vocu_emulator, "DELETE", f"/api/tts/voice/{voice_id}"))[0] == 200
    assert (await call(http, vocu_emulator, "GET", f"/api/voice/{voice_id}"))[0] == 404
    status, body = await call(http, vocu_emulator, "DELETE", f"/api/voice/{MARKET_ID}")
    assert (status, body["code"]) == (404, "VOICE_NOT_FOUND")


async def test_add_voice_and_status_helpers(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    voice_id = vocu_emulator.state.add_voice(name="Helper", status="lora-awaiting-auto-reupload")
    status, _ = await call(
        http,
        vocu_emulator,
        "POST",
        "/api/tts/simple-generate",
        json={"voiceId": voice_id, "text": "Hi"},
    )
    assert status == 200
    vocu_emulator.state.set_voice_status(voice_id, "failed")
    status, body = await call(
        http,
        vocu_emulator,
        "POST",
        "/api/tts/simple-generate",
        json={"voiceId": voice_id, "text": "Hi"},
    )
    assert (status, body["code"]) == (400, "VOICE_CREATE_FAILED")
