"""Voice character routes: `/api/voice…` and the deprecated `/api/tts/voice…` aliases."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import time
import uuid
from typing import Any

from aiohttp import web

from . import seed
from .api import ApiError, authenticate, json_body, ok, state, truthy
from .state import HIDDEN_STATUSES, LANGUAGES, Account, Style, Voice, voice_from_seed

MIN_PROMPT_BYTES = 1000  # stand-in for "at least 3 s of speech"
ESPEAK_VOICES = ("en-us+f2", "en-us+m2", "en-gb+f3", "en-us+m4", "en-gb+m1", "en-us+f4")
MODEL_VERSIONS = ("v3.0", "v4.0")


def find_voice(account: Account, voice_id: str) -> Voice:
    """The account's voice by id; a purchased market voice also answers to its bare uuid."""
    voice = account.voices.get(voice_id) or account.voices.get(f"market:{voice_id}")
    if voice is None:
        raise ApiError(404, "VOICE_NOT_FOUND", f"Voice {voice_id} not found")
    voice.settle()
    return voice


def usable_voice(account: Account, voice_id: str | None) -> Voice:
    """A voice that can generate now, or the error the service gives for its status."""
    if not voice_id:
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "voiceId is required")
    voice = find_voice(account, voice_id)
    if voice.status == "creating":
        raise ApiError(409, "VOICE_CREATING", "The voice is still being created")
    if voice.status == "failed":
        raise ApiError(400, "VOICE_CREATE_FAILED", "The voice failed to be created")
    if voice.status not in ("pending", "lora-success", "lora-awaiting-auto-reupload"):
        raise ApiError(400, "VOICE_NOT_TTS_READY", f"The voice is not ready ({voice.status})")
    return voice


def _decode_data_url(value: Any, field: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str) or not value.startswith("data:") or "," not in value:
        raise ApiError(400, "VALIDATION_INVALID_FORMAT", f"{field} must be a data URL")
    header, _, payload = value.partition(",")
    if not header.endswith(";base64"):
        raise ApiError(400, "VALIDATION_INVALID_FORMAT", f"{field} must be base64 encoded")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "VALIDATION_INVALID_FORMAT", f"{field} is not valid base64") from None


async def _voice_form(request: web.Request) -> dict[str, Any]:
    """JSON body, or multipart with `prompt`/`avatar` as files and booleans as strings."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        body: dict[str, Any] = {}
        for key, value in form.items():
            body[key] = value.file.read() if isinstance(value, web.FileField) else value
        if "vocalFilter" in body:
            body["vocalFilter"] = truthy(body["vocalFilter"])
        return body
    return await json_body(request)


def _check_prompt_audio(value: Any) -> bytes:
    if value is None or value == "":
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "prompt is required")
    audio = _decode_data_url(value, "prompt")
    if len(audio) < MIN_PROMPT_BYTES:
        raise ApiError(400, "MINIMUM_DURATION_NOT_MET", "The sample needs at least 3 s of speech")
    return audio


async def list_voices(request: web.Request) -> web.Response:
    account = authenticate(request)
    query = request.query
    source = query.get("from")
    if source == "library":
        source = "market"
    if source not in ("market", "upload"):
        source = None
    show_market = truthy(query.get("showMarket", "false")) or source == "market"
    show_full = query.get("show") == "full"
    version = query.get("version")
    with state(request).lock:
        voices = list(account.voices.values())
        for voice in voices:
            voice.settle()
        chosen = [
            v
            for v in voices
            if (show_market or v.source != "market")
            and (source is None or v.source == source)
            and (show_full or v.status not in HIDDEN_STATUSES)
            and (version is None or v.version == version)
        ]
        chosen.sort(key=lambda v: v.source != "market")  # purchased market voices first
        return ok([v.to_api() for v in chosen])


def _required_name(body: dict[str, Any]) -> str:
    name = str(body.get("name") or "").strip()
    if not name:
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "name is required")
    return name


async def create_voice(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await _voice_form(request)
    name = _required_name(body)
    _check_prompt_audio(body.get("prompt"))
    version = body.get("modelVersion") or "v3.0"
    if version not in MODEL_VERSIONS:
        raise ApiError(400, "VOICE_MODEL_VERSION_INVALID", f"Unknown model version {version}")
    language = body.get("language")
    if language is not None and language not in LANGUAGES | {"ja-asmr"}:
        raise ApiError(400, "VALIDATION_INVALID_VALUE", f"Unsupported language {language}")
    voice_id = str(uuid.uuid4())
    digest = hashlib.sha256(voice_id.encode()).digest()
    emulator_state = state(request)
    with emulator_state.lock:
        voice = voice_from_seed(
            {
                "name": name,
                "status": "creating",
                "language": language if language != "auto" else None,
                "description": str(body.get("description") or ""),
                "espeak": ESPEAK_VOICES[digest[0] % len(ESPEAK_VOICES)],
                "pitch": 25 + digest[1] % 50,
            },
            voice_id,
        )
        voice.version = version
        voice.ready_at = time.monotonic() + emulator_state.pacing.voice_ready_delay
        if body.get("avatar"):
            voice.avatar = f"https://storage.vocu.ai/avatar/{voice_id}.png"
        account.voices[voice_id] = voice
        return ok(voice.to_api())


async def get_voice(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        return ok(find_voice(account, request.match_info["voice_id"]).to_api())


async def delete_voice(request: web.Request) -> web.Response:
    account = authenticate(request)
    voice_id = request.match_info["voice_id"]
    with state(request).lock:
        voice = find_voice(account, voice_id)
        if voice.source == "market":
            raise ApiError(404, "VOICE_NOT_FOUND", f"Voice {voice_id} not found")
        del account.voices[voice.id]
    return ok()


async def update_info(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        if body.get("name"):
            voice.name = str(body["name"])
        voice.description = str(body.get("description") or "")
        return ok(voice.to_api(), message=None)


async def set_avatar(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    _decode_data_url(body.get("avatar"), "avatar")
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        voice.avatar = f"https://storage.vocu.ai/avatar/{voice.id}/{uuid.uuid4()}.png"
        return ok(voice.to_api())


async def add_style(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await _voice_form(request)
    name = _required_name(body)
    _check_prompt_audio(body.get("prompt"))
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        if voice.source != "upload":
            raise ApiError(403, "AUTH_FORBIDDEN", "Styles can only be added to your own voices")
        voice.styles.append(
            Style(
                id=str(uuid.uuid4()),
                name=name,
                description=str(body.get("description") or ""),
                language=voice.language,
            )
        )
        return ok(voice.to_api())


async def delete_style(request: web.Request) -> web.Response:
    account = authenticate(request)
    style_id = request.match_info["prompt_id"]
    if style_id == "default":
        raise ApiError(400, "VALIDATION_BAD_PARAMS", "The default style cannot be deleted")
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        for style in voice.styles:
            if style.id == style_id:
                style.deleted = True  # soft delete: the service keeps it in the array
        return ok(voice.to_api())


def _style(voice: Voice, style_id: str) -> Style:
    style = next((s for s in voice.styles if s.id == style_id and not s.deleted), None)
    if style is None:
        raise ApiError(404, "RESOURCE_NOT_FOUND", f"Style {style_id} not found")
    return style


async def get_transcript(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        style = _style(voice, request.match_info["prompt_id"])
        return web.json_response({"status": 200, "data": style.transcript})


async def set_transcript(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "text is required")
    with state(request).lock:
        voice = find_voice(account, request.match_info["voice_id"])
        _style(voice, request.match_info["prompt_id"]).transcript = text
        return web.json_response({"status": 200, "data": text})


async def import_shared(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    share_id = body.get("shareId")
    if not share_id:
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "shareId is required")
    if share_id != seed.SHARE_ID:
        raise ApiError(404, "VOICE_NOT_FOUND", "No voice is shared under this id")
    voice_id = str(uuid.uuid4())
    with state(request).lock:
        account.voices[voice_id] = voice_from_seed(copy.deepcopy(seed.SHARED_VOICE), voice_id)
    return ok({"voiceId": voice_id}, voiceId=voice_id)


def add_routes(app: web.Application) -> None:
    for prefix in ("/api/voice", "/api/tts/voice"):
        app.router.add_post(f"{prefix}/byShareId", import_shared)
        app.router.add_get(prefix, list_voices)
        app.router.add_post(prefix, create_voice)
        app.router.add_get(f"{prefix}/{{voice_id}}", get_voice)
        app.router.add_delete(f"{prefix}/{{voice_id}}", delete_voice)
        app.router.add_post(f"{prefix}/{{voice_id}}/info", update_info)
        app.router.add_post(f"{prefix}/{{voice_id}}/avatar", set_avatar)
        app.router.add_post(f"{prefix}/{{voice_id}}/prompt", add_style)
        app.router.add_delete(f"{prefix}/{{voice_id}}/prompt/{{prompt_id}}", delete_style)
        app.router.add_get(f"{prefix}/{{voice_id}}/prompt/{{prompt_id}}/stt", get_transcript)
        app.router.add_post(f"{prefix}/{{voice_id}}/prompt/{{prompt_id}}/stt", set_transcript)
