"""MiniMax's own API under ``/minimax`` (api.minimax.io) and ``/minimaxi`` (api.minimaxi.com).

Bearer key (each key belongs to one of the two hosts, as real accounts do); ``GroupId`` in the
query is accepted and recorded, never required. Every answer carries ``base_resp``; business
errors come with HTTP 200 (``provider_errors`` gives faults the same shape). ``t2a_v2`` with
``stream: true`` answers with server-sent events carrying hex MP3 (final event ``status`` 2, the
whole audio again unless ``stream_options.exclude_aggregated_audio``); ``output_format: url``
answers with a signed ``/minimax/cdn`` URL. A fresh clone is listed by ``get_voice`` only after
its first use, and unused clones would expire after 7 days (not simulated).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import seed
from .api import ApiError, base_url, emulator
from .provider_errors import MINIMAX_OFFICIAL_PREFIXES
from .speech import Sound
from .streaming import send_paced

CDN_PREFIX = "/minimax/cdn"
MAX_TEXT = 10000
EVENT_AUDIO_BYTES = 128  # MP3 bytes per event: small, so a cut stream has delivered some audio
MODELS = ("speech-2.8-hd", "speech-2.8-turbo", "speech-2.6-hd", "speech-2.6-turbo",
          "speech-02-hd", "speech-02-turbo", "speech-01-hd", "speech-01-turbo")  # fmt: skip
EMOTIONS = ("happy", "sad", "angry", "fearful", "disgusted", "surprised", "calm", "fluent",
            "whisper", "neutral")  # fmt: skip
LANGUAGE_BOOST = ("auto", "Chinese", "Chinese,Yue", "English", "Arabic", "Russian", "Spanish",
                  "French", "Portuguese", "German", "Turkish", "Dutch", "Ukrainian", "Vietnamese",
                  "Indonesian", "Japanese", "Italian", "Korean", "Thai", "Polish", "Romanian",
                  "Greek", "Czech", "Finnish", "Hindi")  # fmt: skip
_AUDIO_MAGIC = (b"RIFF", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
_SIGNING_SECRET = b"emulator-oss-signing"


@dataclass
class Key:
    key: str
    region: str  # "minimax" (global) or "minimaxi" (mainland): the path prefix it works under
    funded: bool = True
    clones: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[int, int] = field(default_factory=dict)  # file_id -> bytes
    deleted: set[str] = field(default_factory=set)  # a deleted voice_id cannot be reused


@dataclass
class MiniMaxOfficialState:
    generation: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    keys: dict[str, Key] = field(default_factory=dict)
    system: dict[str, dict[str, Any]] = field(default_factory=dict)
    audio: dict[str, dict[str, Any]] = field(default_factory=dict)
    t2a_requests: list[dict[str, Any]] = field(default_factory=list)
    next_file_id: int = 300000000000000

    def seed(self) -> None:
        for key in (
            Key(seed.MINIMAX_API_KEY, "minimax"),
            Key(seed.MINIMAX_MAINLAND_KEY, "minimaxi"),
            Key(seed.MINIMAX_NO_BALANCE_KEY, "minimax", funded=False),
        ):
            key.clones = {c["voice_id"]: {**c, "active": True}
                          for c in seed.minimax_official_clones()}  # fmt: skip
            self.keys[key.key] = key
        self.system = {
            v["voice_id"]: {"voice_id": v["voice_id"], "voice_name": v["voice_name"],
                            "description": list(v["tag_list"]), "created_time": "1970-01-01",
                            "espeak": v["espeak"], "pitch": v["pitch"]}
            for v in seed.minimax_system_voices()
        }  # fmt: skip


def official_state(target: Any) -> MiniMaxOfficialState:
    """The state of an Emulator (or an EmulatorHandle); fresh after every reset."""
    emu = getattr(target, "_emulator", target)
    current = getattr(emu, "_minimax_official_state", None)
    if current is None or current.generation != emu._generation:
        current = MiniMaxOfficialState(emu._generation)
        current.seed()
        emu._minimax_official_state = current
    return current


def _ok(**fields: Any) -> web.Response:
    return web.json_response({**fields, "base_resp": {"status_code": 0, "status_msg": "success"}})


def _public(voice: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in voice.items() if k not in ("espeak", "pitch", "active")}


def _caller(request: web.Request) -> tuple[MiniMaxOfficialState, Key]:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    state = official_state(emulator(request))
    with state.lock:
        key = state.keys.get(token.strip()) if scheme.lower() == "bearer" else None
    region = request.path.split("/", 2)[1]
    if key is None or key.region != region:
        raise ApiError(401, "1004", "login fail: Please carry the API secret key in the "
                       "'Authorization' field of the request header")  # fmt: skip
    return state, key


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "2013", "invalid params, body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "2013", "invalid params, body is not a JSON object")
    return body


def _voice_for(state: MiniMaxOfficialState, key: Key, voice_id: str) -> dict[str, Any]:
    voice = key.clones.get(voice_id) or state.system.get(voice_id)
    if voice is None:
        raise ApiError(404, "2054", "voice id not exist")
    return voice


def _sign(audio_id: str, expires: int) -> str:
    return hashlib.sha256(_SIGNING_SECRET + f"{audio_id}:{expires}".encode()).hexdigest()[:32]


async def t2a_v2(request: web.Request) -> web.StreamResponse:
    state, key = _caller(request)
    body = await _json(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "2013", "invalid params, text is required")
    if len(text) >= MAX_TEXT:
        raise ApiError(400, "2013", f"invalid params, text must be under {MAX_TEXT} characters")
    if body.get("model") not in MODELS:
        raise ApiError(400, "2013", "invalid params, model")
    setting = body.get("voice_setting")
    if not isinstance(setting, dict) or not setting.get("voice_id"):
        raise ApiError(400, "2013", "invalid params, voice_setting.voice_id is required")
    speed = setting.get("speed", 1)
    if not isinstance(speed, int | float) or not 0.5 <= speed <= 2:
        raise ApiError(400, "2013", "invalid params, voice_setting speed")
    if setting.get("emotion", "happy") not in EMOTIONS:
        raise ApiError(400, "2013", "invalid params, voice_setting emotion")
    if body.get("language_boost", "auto") not in LANGUAGE_BOOST:
        raise ApiError(400, "2013", "invalid params, language_boost")
    audio_setting = body.get("audio_setting") or {}
    if audio_setting.get("format", "mp3") != "mp3":
        raise ApiError(400, "2013", "the emulator speaks mp3 only")
    stream = body.get("stream") is True
    output_format = body.get("output_format", "hex")
    if output_format not in ("hex", "url"):
        raise ApiError(400, "2013", "invalid params, output_format")
    with state.lock:
        state.t2a_requests.append({**body, "query": dict(request.query)})
        voice = _voice_for(state, key, str(setting["voice_id"]))
        if not key.funded:
            raise ApiError(402, "1008", "insufficient balance")
        voice["active"] = True  # first use: now listed, and kept past 7 days
        sound = Sound(voice["espeak"], voice["pitch"], round(175 * speed))
    emu = emulator(request)
    mp3 = await emu.speech.mp3(text, sound)
    trace_id = uuid.uuid4().hex
    extra = {"audio_length": 0, "audio_size": len(mp3), "audio_format": "mp3",
             "usage_characters": len(text), "word_count": len(text.split())}  # fmt: skip
    if stream:
        exclude = (body.get("stream_options") or {}).get("exclude_aggregated_audio") is True
        events = [_event({"audio": mp3[i : i + EVENT_AUDIO_BYTES].hex(), "status": 1}, trace_id)
                  for i in range(0, len(mp3), EVENT_AUDIO_BYTES)]  # fmt: skip
        final = {"audio": "" if exclude else mp3.hex(), "status": 2}
        events.append(_event(final, trace_id, extra_info=extra, status_msg="success"))
        # Raw SSE is ~3x the MP3 it carries: pace it so the audio still arrives as fast.
        pacing = emu.state.pacing
        pacing = dataclasses.replace(pacing, chunk_bytes=pacing.chunk_bytes * 3)
        return await send_paced(request, b"".join(events), pacing=pacing,
                                fault=request.get("fault"), headers={"Trace-Id": trace_id},
                                content_type="text/event-stream")  # fmt: skip
    if output_format == "url":
        audio_id = uuid.uuid4().hex
        with state.lock:
            state.audio[audio_id] = {"mp3": mp3}
        expires = int(time.time()) + 86400
        url = (f"{base_url(request)}{CDN_PREFIX}/{audio_id}.mp3?Expires={expires}"
               f"&Signature={_sign(audio_id, expires)}")  # fmt: skip
        return _ok(data={"audio": url, "status": 2}, extra_info=extra, trace_id=trace_id)
    return _ok(data={"audio": mp3.hex(), "status": 2}, extra_info=extra, trace_id=trace_id)


def _event(data: dict[str, Any], trace_id: str, **extra: Any) -> bytes:
    status_msg = extra.pop("status_msg", "")
    payload = {"data": {**data, "ced": ""}, **extra, "trace_id": trace_id,
               "base_resp": {"status_code": 0, "status_msg": status_msg}}  # fmt: skip
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


async def get_voice(request: web.Request) -> web.Response:
    state, key = _caller(request)
    voice_type = (await _json(request)).get("voice_type")
    if voice_type not in ("system", "voice_cloning", "voice_generation", "all"):
        raise ApiError(400, "2013", "invalid params, voice_type")
    answer: dict[str, Any] = {}
    with state.lock:
        if voice_type in ("system", "all"):
            answer["system_voice"] = [_public(v) for v in state.system.values()]
        if voice_type in ("voice_cloning", "all"):
            answer["voice_cloning"] = [_public(v) for v in key.clones.values() if v["active"]]
        if voice_type in ("voice_generation", "all"):
            answer["voice_generation"] = []
    return _ok(**answer)


async def upload(request: web.Request) -> web.Response:
    state, key = _caller(request)
    if not request.content_type.startswith("multipart/"):
        raise ApiError(400, "2013", "invalid params, expected multipart/form-data")
    form = await request.post()
    purpose = form.get("purpose")
    sample = form.get("file")
    if purpose not in ("voice_clone", "prompt_audio"):
        raise ApiError(400, "2013", "invalid params, purpose")
    if not isinstance(sample, web.FileField):
        raise ApiError(400, "2013", "invalid params, file is required")
    data = sample.file.read()
    if not data.startswith(_AUDIO_MAGIC) and data[4:8] != b"ftyp":
        raise ApiError(400, "2013", "invalid params, the file is not mp3, m4a or wav")
    with state.lock:
        state.next_file_id += 1
        file_id = state.next_file_id
        key.files[file_id] = len(data)
    return _ok(file={"file_id": file_id, "bytes": len(data), "created_at": int(time.time()),
                     "filename": sample.filename, "purpose": purpose})  # fmt: skip


def _valid_voice_id(voice_id: Any) -> bool:
    return (isinstance(voice_id, str) and 8 <= len(voice_id) <= 256 and voice_id[0].isalpha()
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in voice_id)
            and voice_id[-1] not in "-_")  # fmt: skip


async def voice_clone(request: web.Request) -> web.Response:
    state, key = _caller(request)
    body = await _json(request)
    voice_id = body.get("voice_id")
    if not _valid_voice_id(voice_id):
        raise ApiError(400, "2013", "invalid params, voice_id")
    with state.lock:
        if body.get("file_id") not in key.files:
            raise ApiError(400, "20132", "invalid samples or voice_id: unknown file_id")
        if voice_id in key.clones or voice_id in key.deleted or voice_id in state.system:
            raise ApiError(400, "2039", "voice clone voice id duplicate")
        key.clones[voice_id] = {
            "voice_id": voice_id, "description": [],
            "created_time": datetime.now(UTC).date().isoformat(),
            "espeak": "en-us+m4", "pitch": 48, "active": False,
        }  # fmt: skip
    return _ok(input_sensitive=False, input_sensitive_type=0, demo_audio="")


async def delete_voice(request: web.Request) -> web.Response:
    state, key = _caller(request)
    body = await _json(request)
    if body.get("voice_type") not in ("voice_cloning", "voice_generation"):
        raise ApiError(400, "2013", "invalid params, voice_type")
    with state.lock:
        voice = key.clones.pop(str(body.get("voice_id")), None)
        if voice is None:
            raise ApiError(404, "2054", "voice id not exist")
        key.deleted.add(voice["voice_id"])
    return _ok(voice_id=voice["voice_id"], created_time=voice["created_time"])


async def download(request: web.Request) -> web.StreamResponse:
    """The signed storage URL of ``output_format: url``: no key, a signature that must match."""
    state = official_state(emulator(request))
    audio_id = request.match_info["audio_id"].removesuffix(".mp3")
    try:
        expires = int(request.query.get("Expires", ""))
    except ValueError:
        expires = 0
    with state.lock:
        audio = state.audio.get(audio_id)
    if audio is None or request.query.get("Signature") != _sign(audio_id, expires):
        raise web.HTTPForbidden(text="AccessDenied")
    emu = emulator(request)
    return await send_paced(
        request, audio["mp3"], pacing=emu.state.pacing, fault=request.get("fault"), headers={}
    )


def add_routes(app: web.Application) -> None:
    for prefix in MINIMAX_OFFICIAL_PREFIXES:
        app.router.add_post(f"{prefix}/v1/t2a_v2", t2a_v2)
        app.router.add_post(f"{prefix}/v1/get_voice", get_voice)
        app.router.add_post(f"{prefix}/v1/files/upload", upload)
        app.router.add_post(f"{prefix}/v1/voice_clone", voice_clone)
        app.router.add_post(f"{prefix}/v1/delete_voice", delete_voice)
    app.router.add_get(f"{CDN_PREFIX}/{{audio_id}}", download)
