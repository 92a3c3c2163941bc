"""Noiz AI under ``/noiz/v1`` (reference §3): bare-key auth, ``{code, message, data}``, soft
delete, multipart clone and text-to-speech answering with the audio bytes.

Errors are raised as :class:`ApiError` with a numeric ``code``; ``provider_errors`` gives them
Noiz's shape. Business errors (credits) answer HTTP 200 with ``code != 0``, as the service does.
"""

from __future__ import annotations

import io
import threading
import uuid
import wave
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import seed
from .api import ApiError, base_url, emulator
from .provider_errors import NOIZ_PREFIX
from .speech import SAMPLE_RATE, Sound
from .streaming import send_paced

MAX_TEXT = 5000
DOCUMENTED_LIMIT = 10  # GET /voices `limit` default
_AUDIO_MAGIC = (b"RIFF", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
_AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a")


@dataclass
class NoizAccount:
    key: str
    credits: float
    voices: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class NoizState:
    """Per-emulator Noiz data, rebuilt whenever the emulator is reset."""

    generation: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    accounts: dict[str, NoizAccount] = field(default_factory=dict)
    builtin: dict[str, dict[str, Any]] = field(default_factory=dict)
    tts_requests: list[dict[str, str]] = field(default_factory=list)  # multipart fields seen

    def seed(self) -> None:
        for key, credits in ((seed.NOIZ_KEY, seed.NOIZ_CREDITS),
                             (seed.NOIZ_LOW_CREDIT_KEY, seed.NOIZ_LOW_CREDITS)):  # fmt: skip
            account = NoizAccount(key, credits)
            for voice in seed.noiz_voices():
                account.voices[voice["voice_id"]] = _voice(voice, "custom")
            self.accounts[key] = account
        self.builtin = {v["voice_id"]: _voice(v, "built-in") for v in seed.noiz_builtin_voices()}


def _voice(entry: dict[str, Any], voice_type: str) -> dict[str, Any]:
    return {"labels": [], "age": "adult", "is_public": voice_type == "built-in",
            "status": "ready", "delete_time": None, "meta": {}, **entry,
            "voice_type": voice_type}  # fmt: skip


def noiz_state(target: Any) -> NoizState:
    """The Noiz state of an Emulator (or an EmulatorHandle); fresh after every reset."""
    emu = getattr(target, "_emulator", target)
    current = getattr(emu, "_noiz_state", None)
    if current is None or current.generation != emu._generation:
        current = NoizState(emu._generation)
        current.seed()
        emu._noiz_state = current
    return current


def _preview(request: web.Request, voice: dict[str, Any]) -> str:
    return f"{base_url(request)}{NOIZ_PREFIX}/samples/{voice['voice_id']}.mp3"


def _public(request: web.Request, voice: dict[str, Any]) -> dict[str, Any]:
    """A voice as the API shows it, in this instance's reading of Noiz's voice shape.

    Ours: ``labels`` a list, the preview in ``preview_url``. Other (the documented shape):
    ``labels`` one comma-separated string, the preview under ``sample`` (built-in voices) or
    ``url`` (clones).
    """
    public = {k: v for k, v in voice.items() if k not in ("espeak", "pitch")}
    if not emulator(request).readings.other("noiz_voices"):
        public["preview_url"] = _preview(request, voice)
        return public
    labels = public.get("labels")
    public["labels"] = ", ".join(labels) if isinstance(labels, list) else str(labels or "")
    public["sample" if voice["voice_type"] == "built-in" else "url"] = _preview(request, voice)
    return public


def _ok(data: Any = None) -> web.Response:
    return web.json_response({"code": 0, "message": "success", "data": data})


def _account(request: web.Request) -> tuple[NoizState, NoizAccount]:
    header = request.headers.get("Authorization", "").strip()
    if header.lower().startswith("bearer "):
        raise ApiError(401, "401", "Invalid API key: send the key itself, without 'Bearer'")
    state = noiz_state(emulator(request))
    with state.lock:
        account = state.accounts.get(header)
    if account is None:
        raise ApiError(401, "401", "Invalid or missing API key")
    return state, account


def _own_voice(account: NoizAccount, voice_id: str) -> dict[str, Any]:
    voice = account.voices.get(voice_id)
    if voice is None or voice["delete_time"] is not None:
        raise ApiError(404, "404", f"Voice {voice_id} not found")
    return voice


async def list_voices(request: web.Request) -> web.Response:
    state, account = _account(request)
    voice_type = request.query.get("voice_type", "custom")
    if voice_type not in ("custom", "built-in"):
        raise ApiError(400, "400", "voice_type must be custom or built-in")
    try:
        page = int(request.query.get("skip", "0"))  # a page number, not an offset
        limit = int(request.query.get("limit", "10"))
    except ValueError:
        raise ApiError(400, "400", "skip and limit must be integers") from None
    if page < 0 or limit < 1:
        raise ApiError(400, "400", "skip must be >= 0 and limit >= 1")
    if limit > DOCUMENTED_LIMIT and emulator(request).readings.other("noiz_voices"):
        # The docs give the default (10) and no maximum; this reading plays a service that
        # accepts no more than that default.
        raise ApiError(400, "400", f"limit must be at most {DOCUMENTED_LIMIT}")
    keyword = request.query.get("keyword", "").lower()
    with state.lock:
        pool = account.voices if voice_type == "custom" else state.builtin
        voices = [_public(request, v) for v in pool.values() if v["delete_time"] is None
                  and keyword in (v["display_name"] + " ".join(v["labels"])).lower()]  # fmt: skip
    return _ok({"voices": voices[page * limit : (page + 1) * limit], "total_count": len(voices)})


async def get_voice(request: web.Request) -> web.Response:
    state, account = _account(request)
    voice_id = request.match_info["voice_id"]
    with state.lock:
        voice = state.builtin.get(voice_id) or _own_voice(account, voice_id)
        return _ok(_public(request, voice))


async def delete_voice(request: web.Request) -> web.Response:
    state, account = _account(request)
    with state.lock:
        voice = _own_voice(account, request.match_info["voice_id"])
        voice["delete_time"] = datetime.now(UTC).isoformat()  # soft delete: kept in storage
    return _ok()


async def _form(request: web.Request) -> dict[str, Any]:
    if not request.content_type.startswith("multipart/"):
        raise ApiError(400, "400", "Expected multipart/form-data")
    return dict(await request.post())


async def clone_voice(request: web.Request) -> web.Response:
    state, account = _account(request)
    form = await _form(request)
    upload = form.get("file")
    voice_url = str(form.get("voice_url") or "")
    if isinstance(upload, web.FileField):
        head = upload.file.read(12)
        if not (head.startswith(_AUDIO_MAGIC) or head[4:8] == b"ftyp"):
            raise ApiError(400, "400", "Only WAV, MP3, and M4A formats are supported")
    elif voice_url:
        if not voice_url.startswith(("http://", "https://")) or not voice_url.lower().split("?")[
            0
        ].endswith(_AUDIO_SUFFIXES):
            raise ApiError(400, "400", "voice_url must be an http(s) URL of a WAV, MP3 or M4A file")
    else:
        raise ApiError(400, "400", "Either file or voice_url must be provided")
    voice = _voice(
        {
            "voice_id": f"nz-voice-{uuid.uuid4().hex[:12]}",
            "display_name": str(form.get("display_name") or "Untitled voice"),
            "language": str(form.get("language") or "en"),
            "meta": {"denoise": str(form.get("denoise", "false")).lower() == "true",
                     "source": "url" if voice_url and upload is None else "file"},
            "espeak": "en-us+f4",
            "pitch": 52,
        },
        "custom",
    )  # fmt: skip
    with state.lock:
        account.voices[voice["voice_id"]] = voice
    public = _public(request, voice)
    if emulator(request).readings.other("noiz_voices"):
        # The documented clone answer names the voice `voice_display_name`.
        public["voice_display_name"] = public.pop("display_name")
    return _ok({"voice_id": voice["voice_id"], **public})


def _wav(pcm: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return out.getvalue()


async def text_to_speech(request: web.Request) -> web.StreamResponse:
    state, account = _account(request)
    form = await _form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    text = fields.get("text", "")
    if not text.strip():
        raise ApiError(400, "400", "text is required")
    if len(text) > MAX_TEXT:
        raise ApiError(400, "400", f"text is longer than {MAX_TEXT} characters")
    try:
        speed = float(fields.get("speed", "1"))
    except ValueError:
        raise ApiError(400, "400", "speed must be a number") from None
    voice_id = fields.get("voice_id", "")
    with state.lock:
        state.tts_requests.append(fields)
        voice = state.builtin.get(voice_id) or _own_voice(account, voice_id)
        if account.credits < len(text):
            # Business error with HTTP 200, as the service sends it (reference §3).
            raise ApiError(200, "402", "Insufficient credits, please top up your account")
        account.credits -= len(text)
    emu = emulator(request)
    sound = Sound(voice["espeak"], voice["pitch"], round(175 * min(2.0, max(0.5, speed))))
    if fields.get("output_format", "wav") == "mp3":
        audio, mime = await emu.speech.mp3(text, sound), "audio/mpeg"
    else:
        audio, mime = _wav(await emu.speech.pcm(text, sound)), "audio/wav"
    duration = f"{len(await emu.speech.pcm(text, sound)) / 2 / SAMPLE_RATE:.2f}"
    return await send_paced(
        request,
        audio,
        pacing=emu.state.pacing,
        fault=request.get("fault"),
        headers={"X-Audio-Duration": duration},
        content_type=mime,
    )


async def voice_sample(request: web.Request) -> web.StreamResponse:
    """A voice's preview clip (public, like a CDN file): a short sentence in that voice."""
    state = noiz_state(emulator(request))
    voice_id = request.match_info["voice_id"].removesuffix(".mp3")
    with state.lock:
        voice = state.builtin.get(voice_id) or next(
            (a.voices[voice_id] for a in state.accounts.values() if voice_id in a.voices), None
        )
    if voice is None:
        raise ApiError(404, "404", f"Voice {voice_id} not found")
    emu = emulator(request)
    mp3 = await emu.speech.mp3("Hello, this is my voice.", Sound(voice["espeak"], voice["pitch"]))
    return web.Response(body=mp3, content_type="audio/mpeg")


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{NOIZ_PREFIX}/samples/{{voice_id}}", voice_sample)
    app.router.add_get(f"{NOIZ_PREFIX}/voices", list_voices)
    app.router.add_post(f"{NOIZ_PREFIX}/voices", clone_voice)
    app.router.add_get(f"{NOIZ_PREFIX}/voices/{{voice_id}}", get_voice)
    app.router.add_delete(f"{NOIZ_PREFIX}/voices/{{voice_id}}", delete_voice)
    app.router.add_post(f"{NOIZ_PREFIX}/text-to-speech", text_to_speech)
