"""The low-latency "turbo" channel: a WebSocket answering text with hex-encoded PCM chunks."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from .api import ApiError, authenticate, base_url, emulator, json_body, ok, state
from .generation import MAX_TEXT_CHARS, check_credit, sound_of, style_of
from .routes_voice import find_voice, usable_voice
from .speech import BIT_DEPTH, CHANNELS, SAMPLE_RATE

CANCEL_AFTER = 60
PCM_CHUNK_BYTES = SAMPLE_RATE * 2 // 5  # 0.2 s of 16-bit mono audio
PCM_FORMAT = {"sampleRate": SAMPLE_RATE, "channels": CHANNELS, "bitDepth": BIT_DEPTH}


async def open_channel(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    emulator_state = state(request)
    with emulator_state.lock:
        voice = usable_voice(account, body.get("voiceId"))
        channel_id = str(uuid.uuid4())
        emulator_state.channels[channel_id] = (account.token, voice.id)
    ws_base = base_url(request).replace("http", "ws", 1)
    return ok(
        {
            "turboChannelId": channel_id,
            "wsUrl": f"{ws_base}/api/tts/turbo/ws/{channel_id}",
            "cancelAfter": CANCEL_AFTER,
        }
    )


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "data": {"status": status, "code": code, "message": message}}


async def channel_socket(request: web.Request) -> web.StreamResponse:
    emulator_state = state(request)
    with emulator_state.lock:
        channel = emulator_state.channels.get(request.match_info["channel_id"])
    if channel is None:
        raise ApiError(404, "RESOURCE_NOT_FOUND", "404 Not Found")
    token, voice_id = channel
    ws = web.WebSocketResponse(heartbeat=None)
    await ws.prepare(request)
    await ws.send_json(
        {
            "type": "connected",
            "data": {"status": 200, "message": f"OK, selected voiceId is {voice_id}."},
        }
    )
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            payload = message.json()
        except ValueError:
            await ws.send_json(_error(400, "VALIDATION_INVALID_FORMAT", "not JSON"))
            continue
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "ping":
            await ws.send_json({"type": "pong"})
        elif kind == "close":
            break
        elif kind == "synthesis_request":
            await _synthesise(request, ws, token, voice_id, payload.get("data") or {})
        else:
            await ws.send_json(_error(400, "VALIDATION_BAD_PARAMS", f"unknown type {kind!r}"))
    await ws.close()
    return ws


async def _synthesise(
    request: web.Request, ws: web.WebSocketResponse, token: str, voice_id: str, data: dict
) -> None:
    emu = emulator(request)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        await ws.send_json(_error(400, "TTS_TEXT_EMPTY", "Text must not be empty"))
        return
    if len(text) > MAX_TEXT_CHARS:
        await ws.send_json(_error(400, "VALIDATION_TOO_LONG", "Text is too long"))
        return
    try:
        with emu.state.lock:
            account = emu.state.accounts[token]
            voice = find_voice(account, voice_id)
            style_id = style_of(voice, data.get("promptId"))
            sound = sound_of(voice, style_id)
            check_credit(account, len(text))
            account.charge(len(text))
    except (ApiError, KeyError) as err:
        if isinstance(err, ApiError):
            await ws.send_json(_error(err.status, err.code, err.message))
        else:
            await ws.send_json(_error(401, "AUTH_UNAUTHORIZED", "account no longer exists"))
        return
    pcm = await emu.speech.pcm(text, sound)
    pacing = emu.state.pacing
    for start in range(0, len(pcm), PCM_CHUNK_BYTES):
        chunk = pcm[start : start + PCM_CHUNK_BYTES]
        await ws.send_json({"type": "audio_chunk", "data": {"hex": chunk.hex(), "pcm": PCM_FORMAT}})
        if pacing.chunk_interval > 0:
            await asyncio.sleep(pacing.chunk_interval)
    await ws.send_json({"type": "audio_chunk", "data": {"hex": "", "pcm": PCM_FORMAT}})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tts/turbo/channel", open_channel)
    app.router.add_get("/api/tts/turbo/ws/{channel_id}", channel_socket)
