"""Synchronous generation (`simple-generate`, POST and GET) and the signed URLs it hands out."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .api import (
    ApiError,
    authenticate,
    base_url,
    emulator,
    json_body,
    ok,
    readings,
    state,
    truthy,
)
from .generation import (
    check_credit,
    check_emotions,
    check_text,
    render,
    sound_of,
    style_of,
    sync_slot,
    wait_over_quota,
)
from .routes_voice import usable_voice
from .state import LANGUAGES, Audio
from .streaming import send_paced

PRESETS = ["creative", "balance", "stable", "v2_creative", "v2_balance", "v3_balance_pro"]


def audio_url(request: web.Request, audio: Audio) -> str:
    return f"{base_url(request)}/storage/generate/{audio.id}.mp3?auth={audio.auth}"


def stream_url(request: web.Request, audio: Audio) -> str:
    return f"{base_url(request)}/api/tts/stream/{audio.id}?auth={audio.auth}"


async def _generate(  # type: ignore[no-untyped-def]
    request: web.Request,
    params: dict[str, Any],
    *,
    direct: bool,
    stream: bool,
    query_token: bool = False,
):
    account = authenticate(request, query_token=query_token)
    emu = emulator(request)
    emulator_state = emu.state
    if not account.is_paid:
        raise ApiError(403, "TTS_PAID_ONLY", "Synchronous generation requires a paid account")
    text = check_text(params.get("text"))
    check_emotions(params.get("emo_switch"))
    if params.get("language") not in LANGUAGES:
        params["language"] = "auto"  # the service silently downgrades unknown languages
    with emulator_state.lock:
        voice = usable_voice(account, params.get("voiceId"))
        style_id = style_of(voice, params.get("promptId"))
        sound = sound_of(voice, style_id, params.get("speechRate"))
        check_credit(account, len(text))
    await wait_over_quota(request, account)
    with sync_slot(emulator_state, account):
        with emulator_state.lock:
            audio = emulator_state.new_audio(account.id, text, sound)
        mp3 = await render(emu.speech, emulator_state, audio)
        with emulator_state.lock:
            check_credit(account, len(text))  # another request may have spent it meanwhile
            account.charge(len(text))
        result = {
            "id": audio.id,
            "audio": stream_url(request, audio) if stream else audio_url(request, audio),
            "streamUrl": stream_url(request, audio),
            "credit_used": len(text),
            "billing": len(text),
            "estimatedDuration": round(len(mp3) * 8 / 48000, 2),
        }
        if not direct:
            return ok(result)
        headers = {
            "X-Reecho-Audio-Id": audio.id,
            "X-Reecho-Response-Data": json.dumps(result, ensure_ascii=True),
            "X-Accel-Buffering": "no",
        }
        return await send_paced(
            request,
            mp3,
            pacing=emulator_state.pacing,
            fault=request.get("fault"),
            headers=headers,
        )


async def simple_generate_post(request: web.Request) -> web.StreamResponse:
    params = await json_body(request)
    stream = truthy(params.get("stream", False))
    direct = stream and truthy(params.get("direct_stream", False))
    if readings(request).other("direct_stream"):
        direct = False  # not in the POST schema: the JSON envelope, as without it
    return await _generate(request, params, direct=direct, stream=stream)


async def simple_generate_get(request: web.Request) -> web.StreamResponse:
    # The GET form has no language, vivid or emo_switch; ignore them if a client sends them.
    params = {
        k: v
        for k, v in request.query.items()
        if k not in ("language", "vivid", "emo_switch", "token")
    }
    query_token = readings(request).other("get_auth")
    return await _generate(request, params, direct=True, stream=True, query_token=query_token)


def _signed_audio(request: web.Request) -> Audio:
    """The audio behind a signed URL: the `auth` query must match (or the owner's key is sent)."""
    audio_id = request.match_info["audio_id"].removesuffix(".mp3")
    emulator_state = state(request)
    with emulator_state.lock:
        audio = emulator_state.audio.get(audio_id)
    if audio is None:
        raise ApiError(404, "RESOURCE_NOT_FOUND", "Audio not found")
    if request.query.get("auth") == audio.auth:
        return audio
    if "Authorization" in request.headers and authenticate(request).id == audio.owner:
        return audio
    raise ApiError(403, "AUTH_FORBIDDEN", "Invalid or missing signature")


async def _send_signed(request: web.Request, *, chunked: bool) -> web.StreamResponse:
    audio = _signed_audio(request)
    emu = emulator(request)
    mp3 = await render(emu.speech, emu.state, audio)
    headers = {"X-Reecho-Audio-Id": audio.id, "X-Accel-Buffering": "no"} if chunked else {}
    return await send_paced(
        request,
        mp3,
        pacing=emu.state.pacing,
        fault=request.get("fault"),
        headers=headers,
        chunked=chunked,
    )


async def stream_audio(request: web.Request) -> web.StreamResponse:
    """`stream_url`: paced and chunked, like the live stream of a generation."""
    return await _send_signed(request, chunked=True)


async def stored_audio(request: web.Request) -> web.StreamResponse:
    """`audio_url`: the stored file, whole with a Content-Length."""
    return await _send_signed(request, chunked=False)


async def presets(request: web.Request) -> web.Response:
    authenticate(request)
    config = {
        "temperature": 0.9,
        "top_k": 50,
        "top_p": 0.9,
        "min_p": 0.0,
        "frequency_penalty": 0.0,
        "presence_penalty": 0.0,
        "repetition_penalty": 1.1,
        "volume": 1.0,
    }
    data = [
        {
            "key": key,
            # Resource keys the app translates, not text (the export's shape).
            "i18n_name": f"tts.preset.{key}.name",
            "i18n_description": f"tts.preset.{key}.description",
            "config": config,
        }
        for key in PRESETS
    ]
    return ok(data, message=None)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tts/simple-generate", simple_generate_post)
    app.router.add_get("/api/tts/simple-generate", simple_generate_get)
    app.router.add_get("/api/tts/simple-generate.mp3", simple_generate_get)
    app.router.add_get("/api/tts/stream/{audio_id}", stream_audio)
    app.router.add_get("/storage/generate/{audio_id}", stored_audio)
    app.router.add_get("/api/tts/presets", presets)
