"""MiniMax audio through useapi.net under ``/useapi/v1/minimax`` (reference §4, the v1 pages
useapi.net marked decommissioned in 2025-08).

Bearer token; ``account`` required only when a token has several MiniMax accounts; errors are
``{"error", "code"}`` (shaped by ``provider_errors``). ``create-mp3`` answers with a key-free
``audio_url`` on ``/useapi/cdn/…`` (a CDN in real life), served paced like any audio.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import seed
from .api import ApiError, base_url, emulator, json_body
from .provider_errors import MINIMAX_PREFIX
from .speech import Sound
from .streaming import send_paced

CDN_PREFIX = "/useapi/cdn/minimax"
MAX_TEXT = 500
MAX_NAME = 30
LANGUAGE_TAGS = ("Auto", "Chinese", "Chinese,Yue", "English", "Japanese", "Korean", "French",
                 "Portuguese", "German", "Spanish")  # fmt: skip
EMOTIONS = ("happy", "sad", "angry", "fearful", "disgusted", "surprised", "neutral")
_SAMPLE_TYPES = ("audio/mpeg", "audio/wav", "audio/wave")


@dataclass
class Token:
    token: str
    accounts: tuple[str, ...]
    expired: bool = False


@dataclass
class MiniMaxState:
    generation: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, Token] = field(default_factory=dict)
    cloned: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # per account
    system: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # fileID -> account
    audio: dict[str, dict[str, Any]] = field(default_factory=dict)
    mp3_requests: list[dict[str, Any]] = field(default_factory=list)

    def seed(self) -> None:
        for token in (
            Token(seed.USEAPI_TOKEN, (seed.MINIMAX_ACCOUNT,)),
            Token(seed.USEAPI_MULTI_TOKEN, seed.MINIMAX_ACCOUNTS_MULTI),
            Token(seed.USEAPI_EXPIRED_TOKEN, (seed.MINIMAX_ACCOUNT,), expired=True),
        ):
            self.tokens[token.token] = token
            for account in token.accounts:
                self.cloned[account] = {
                    v["voice_id"]: _voice(v) for v in seed.minimax_cloned_voices()
                }
        self.system = {v["voice_id"]: _voice(v) for v in seed.minimax_system_voices()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _voice(entry: dict[str, Any]) -> dict[str, Any]:
    slug = entry["voice_id"]
    return {"parent_voice_id": "0", "file_id": "", "collected": False, "voice_status": 2,
            "cover_url": f"https://cdn.example.invalid/minimax/cover/{slug}.png",
            "sample_audio": f"https://cdn.example.invalid/minimax/sample/{slug}.mp3",
            "uniq_id": slug, "group_id": "", "create_time": _now(), "update_time": _now(),
            **entry}  # fmt: skip


def minimax_state(target: Any) -> MiniMaxState:
    """The MiniMax state of an Emulator (or an EmulatorHandle); fresh after every reset."""
    emu = getattr(target, "_emulator", target)
    current = getattr(emu, "_minimax_state", None)
    if current is None or current.generation != emu._generation:
        current = MiniMaxState(emu._generation)
        current.seed()
        emu._minimax_state = current
    return current


def _public(voice: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in voice.items() if k not in ("espeak", "pitch")}


def _caller(request: web.Request, account: Any) -> tuple[MiniMaxState, str]:
    """The state and the MiniMax account this request acts for."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    state = minimax_state(emulator(request))
    with state.lock:
        entry = state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if entry is None:
        raise ApiError(401, "401", "Unauthorized")
    if entry.expired:
        raise ApiError(402, "402", "Payment Required: your useapi.net subscription has expired")
    if account in (None, ""):
        if len(entry.accounts) > 1:
            raise ApiError(400, "400", "Parameter account is required: several accounts configured")
        return state, entry.accounts[0]
    if account not in entry.accounts:
        raise ApiError(400, "400", f"Unable to find configuration for account {account}")
    return state, str(account)


async def voices(request: web.Request) -> web.Response:
    state, account = _caller(request, request.query.get("account"))
    if request.query.get("is_system", "true").lower() == "false":
        with state.lock:
            cloned = [_public(v) for v in state.cloned[account].values()]
        return web.json_response({"voice_list": cloned, "has_more": False, "total": len(cloned)})
    try:
        page = int(request.query.get("page", "1"))
        size = int(request.query.get("page_size", "500"))
    except ValueError:
        raise ApiError(400, "400", "page and page_size must be integers") from None
    if page < 1 or size < 1:
        raise ApiError(400, "400", "page and page_size start at 1")
    with state.lock:
        system = [_public(v) for v in state.system.values()]
    chunk = system[(page - 1) * size : page * size]
    return web.json_response(
        {"voice_list": chunk, "has_more": page * size < len(system), "total": len(system)}
    )


async def config(request: web.Request) -> web.Response:
    _caller(request, request.query.get("account"))
    return web.json_response(
        {
            "t2a_emotion": [{"label": e.title(), "value": e} for e in EMOTIONS],
            "voice_tag_accent": [{"tag_name": "American"}, {"tag_name": "British"}],
            "voice_tag_age": [{"tag_name": "Adult"}, {"tag_name": "Senior"}],
            "voice_tag_gender": [{"tag_name": "Female"}, {"tag_name": "Male"}],
            "voice_tag_language": [{"tag_name": tag} for tag in LANGUAGE_TAGS[1:]],
        }
    )


async def upload_sample(request: web.Request) -> web.Response:
    state, account = _caller(request, request.query.get("account"))
    if request.content_type not in _SAMPLE_TYPES:
        raise ApiError(400, "400", f"Content-Type must be one of {', '.join(_SAMPLE_TYPES)}")
    sample = await request.read()
    if not sample.startswith((b"RIFF", b"ID3", b"\xff")):
        raise ApiError(400, "400", "The sample is not MP3 or WAV audio")
    file_id = f"user:4821-minimax:{account}-file:{uuid.uuid4().int % 10**12}"
    with state.lock:
        state.files[file_id] = account
    return web.json_response({"ossPath": f"audio/{uuid.uuid4().hex}.mp3", "fileID": file_id})


async def clone_voice(request: web.Request) -> web.Response:
    body = await json_body(request)
    state, account = _caller(request, body.get("account"))
    name = str(body.get("voice_name") or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ApiError(400, "400", f"voice_name is required, at most {MAX_NAME} characters")
    if body.get("language_tag") not in LANGUAGE_TAGS[1:]:
        raise ApiError(400, "400", "language_tag must be a voice_tag_language of audio/config")
    files = [f.strip() for f in str(body.get("files") or "").split(",") if f.strip()]
    with state.lock:
        if not files or len(files) > 10 or any(state.files.get(f) != account for f in files):
            raise ApiError(400, "400", "files must list 1-10 fileIDs from audio/upload-sample")
        voice = _voice({"voice_id": f"moss_audio_{uuid.uuid4()}", "voice_name": name,
                        "tag_list": [body["language_tag"]], "file_id": files[0],
                        "espeak": "en-us+m4", "pitch": 48})  # fmt: skip
        state.cloned[account][voice["voice_id"]] = voice
    return web.json_response(_public(voice))


async def delete_voice(request: web.Request) -> web.Response:
    body = await json_body(request)
    state, account = _caller(request, body.get("account"))
    if not body.get("voice_id"):
        raise ApiError(400, "400", "voice_id is required")
    with state.lock:
        state.cloned[account].pop(str(body["voice_id"]), None)  # missing: still 200 (§4)
    return web.json_response({})


async def create_mp3(request: web.Request) -> web.Response:
    body = await json_body(request)
    state, account = _caller(request, body.get("account"))
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "400", "text is required")
    if len(text) > MAX_TEXT:
        raise ApiError(400, "400", f"text is longer than {MAX_TEXT} characters")
    speed = body.get("speed", 1)
    if not isinstance(speed, int | float) or not 0.5 <= speed <= 2:
        raise ApiError(400, "400", "speed must be between 0.5 and 2")
    if body.get("emotion", "auto") not in (*EMOTIONS, "auto", "Auto"):
        raise ApiError(400, "400", "emotion must be a value of t2a_emotion")
    with state.lock:
        state.mp3_requests.append(body)
        voice_id = str(body.get("voice_id") or "")
        voice = state.cloned[account].get(voice_id) or state.system.get(voice_id)
        if voice is None:
            raise ApiError(404, "404", f"voice_id {voice_id} not found")
        audio_id = str(uuid.uuid4())
        state.audio[audio_id] = {"text": text, "sound": Sound(voice["espeak"], voice["pitch"],
                                 round(175 * speed))}  # fmt: skip
    # Field set inferred from GET audio/{audio_id} (create-mp3's answer was not captured).
    return web.json_response(
        {
            "audio_id": audio_id,
            "audio_url": f"{base_url(request)}{CDN_PREFIX}/{audio_id}.mp3",
            "audio_title": text[:20],
            "text": text,
            "voice_info": {"voice_id": voice_id, "voice_name": voice["voice_name"]},
            "create_time": _now(),
            "emotion": body.get("emotion", "auto"),
            "language_boost": body.get("language_boost", "Auto"),
            "speed": speed,
        }
    )


async def download(request: web.Request) -> web.StreamResponse:
    """The public MP3 behind an audio_url: no key needed (or expected)."""
    state = minimax_state(emulator(request))
    with state.lock:
        audio = state.audio.get(request.match_info["audio_id"].removesuffix(".mp3"))
    if audio is None:
        raise ApiError(404, "404", "Not found")
    emu = emulator(request)
    mp3 = await emu.speech.mp3(audio["text"], audio["sound"])
    return await send_paced(
        request, mp3, pacing=emu.state.pacing, fault=request.get("fault"), headers={}
    )


def add_routes(app: web.Application) -> None:
    for path in ("audio/voices", "audio/voices/"):
        app.router.add_get(f"{MINIMAX_PREFIX}/{path}", voices)
    for path in ("audio/config", "audio/config/"):
        app.router.add_get(f"{MINIMAX_PREFIX}/{path}", config)
    for path in ("audio/upload-sample", "audio/upload-sample/"):
        app.router.add_post(f"{MINIMAX_PREFIX}/{path}", upload_sample)
    app.router.add_post(f"{MINIMAX_PREFIX}/audio/clone-voice", clone_voice)
    app.router.add_post(f"{MINIMAX_PREFIX}/audio/delete-voice", delete_voice)
    app.router.add_post(f"{MINIMAX_PREFIX}/audio/create-mp3", create_mp3)
    app.router.add_get(f"{CDN_PREFIX}/{{audio_id}}", download)
