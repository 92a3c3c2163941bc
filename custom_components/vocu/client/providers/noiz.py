"""Noiz AI (https://noiz.ai/v1): reference §3.

The key goes in ``Authorization`` bare (Noiz rejects ``Bearer``). Answers are ``{code, message,
data}`` with ``code`` 0 for success, and business errors (credits, rate limit) may come with HTTP
200, so every JSON answer goes through :func:`noiz_envelope_check`. Synthesis is a multipart
``POST /text-to-speech`` answering with the audio bytes, streamed as they arrive.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from .. import errors, wire
from .._http import REQUEST_ID_HEADER
from ..deadline import Deadline, bounded
from ..models import SynthesisOptions, Voice, object_of, text_of
from ..streaming import SpeechStream, max_audio_bytes
from .base import DEFAULT_OPTIONS, VoicePage, check_clone_input, check_clone_language
from .common import HttpProvider, check_options, classify, first, json_object, message_of
from .registry import NOIZ

# Our language codes → Noiz's `target_lang` / clone `language`; `auto` is left to the service.
LANGUAGE_CODES: dict[str, str | None] = {
    "auto": None,
    "zh": "zh",
    "en-us": "en",
    "ja": "ja",
    "ko": "ko",
    "fr-fr": "fr",
    "pt": "pt",
    "de": "de",
    "es": "es",
    "yue": "yue",
}
# Our five emotion weights (anger, happiness, neutral, sadness, contextual; 0-10) → `emo` keys
# (0-1). The docs' examples use Joy, Sadness, Surprise, Tenderness and Excitement: happiness and
# sadness have a documented key; anger, neutral and contextual have none and are dropped.
_EMO_KEYS = {1: "Joy", 3: "Sadness"}
# The documented default `limit` of GET /voices. The docs give no maximum, so listing every voice
# asks pages of this size (always accepted); a caller's own voice_page size is sent as given.
DOCUMENTED_PAGE_SIZE = 10
_NOT_READY = frozenset({"failed", "processing", "pending", "training", "creating"})
_AUDIO_FORMATS = {"audio/wav", "audio/mpeg", "audio/mp4"}  # WAV, MP3, M4A only (§3 clone)


def _status_code(payload: Mapping[str, Any]) -> int | None:
    code = payload.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code)
    return None


def noiz_error(
    status: int, body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]
) -> errors.VoiceServiceError:
    """An HTTP error answer: the envelope's ``code`` refines a generic HTTP status."""
    payload = json_object(body)
    code = _status_code(payload)
    effective = code if code and code >= 400 and status in (200, 400) else status
    return classify(
        effective,
        message_of(payload, status, secrets),
        code=str(code) if code is not None else None,
        headers=headers,
        provider=NOIZ.name,
        secrets=secrets,
    )


def noiz_envelope_check(
    payload: Mapping[str, Any],
    body: bytes,
    status: int,
    headers: Mapping[str, str],
    secrets: tuple[str, ...],
) -> None:
    """HTTP 200 with ``code != 0`` is an error (``{"code":402,"message":"Insufficient…"}``)."""
    code = _status_code(payload)
    if code is None or code == 0:
        return
    raise classify(
        code,
        message_of(payload, code, secrets),
        code=str(code),
        headers=headers,
        provider=NOIZ.name,
        secrets=secrets,
    )


def _labels(value: Any) -> str | None:
    """``labels`` is one string in the docs' shape, a list in what clients observed."""
    if isinstance(value, list):
        return ", ".join(str(label) for label in value if label) or None
    return value.strip() or None if isinstance(value, str) else None


def _preview(data: Mapping[str, Any]) -> str | None:
    """The preview clip: ``sample`` / ``url`` (the docs; ``sample`` may be ``{url}``) or the
    names clients observed."""
    for key in ("sample", "url", "preview_url", "sample_url", "audio_url", "voice_url"):
        value = data.get(key)
        if isinstance(value, Mapping):
            value = value.get("url")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def parse_voice(data: Mapping[str, Any], *, builtin: bool | None = None) -> Voice:
    """A Noiz voice, in the docs' shape or the one clients observed (reference §3)."""
    status = str(first(data, "status") or "ready").lower()
    deleted = data.get("delete_time") not in (None, "", 0)
    voice_type = str(first(data, "voice_type") or "")
    name = first(data, "display_name", "voice_display_name", "name", "voice_name")
    return Voice(
        id=str(first(data, "voice_id", "id") or ""),
        name=str(name or ""),
        status="deleted" if deleted else status,
        description=text_of(first(data, "description")) or _labels(data.get("labels")),
        language=text_of(first(data, "language")),
        source=voice_type or None,
        provider=NOIZ.name,
        raw=dict(data),
        preview_url=_preview(data),
        ready=not deleted and status not in _NOT_READY,
        builtin=builtin if builtin is not None else voice_type == "built-in",
    )


def _voice_list(data: Any) -> tuple[list[Any], int | None]:
    """``data.voices`` + ``data.total_count`` (what clients read); also a bare list in ``data``."""
    if isinstance(data, list):
        return data, None
    if not isinstance(data, Mapping):
        return [], None
    items = first(data, "voices", "items", "list") or []
    total = first(data, "total_count", "total")
    return (items if isinstance(items, list) else []), (
        int(total) if isinstance(total, int | float) and not isinstance(total, bool) else None
    )


def _emo(options: SynthesisOptions) -> str | None:
    if options.emotion is None:
        return None
    weights = {key: options.emotion[i] / 10 for i, key in _EMO_KEYS.items() if options.emotion[i]}
    return json.dumps(weights) if weights else None


def tts_fields(text: str, voice_id: str, options: SynthesisOptions) -> dict[str, str]:
    """Multipart fields of ``POST /text-to-speech``. Preset, flash, seed, vivid: no equivalent."""
    fields = {"text": text, "voice_id": voice_id, "output_format": "mp3"}
    if options.speed is not None:
        fields["speed"] = f"{options.speed:g}"
    target_lang = LANGUAGE_CODES.get(options.language) if options.language else None
    if target_lang:
        fields["target_lang"] = target_lang
    emo = _emo(options)
    if emo:
        fields["emo"] = emo
    return fields


class NoizProvider(HttpProvider):
    info = NOIZ
    list_page_size = DOCUMENTED_PAGE_SIZE

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        super().__init__(
            api_key, error_builder=noiz_error, envelope_check=noiz_envelope_check, **kwargs
        )

    @bounded
    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        # `skip` is a page number, not an offset (reference §3).
        params = {
            "voice_type": "built-in" if builtin else "custom",
            "skip": str(page),
            "limit": str(page_size),
        }

        def page_of(payload: Mapping[str, Any]) -> tuple[list[Any], int | None, tuple[Voice, ...]]:
            items, total = _voice_list(payload.get("data"))
            voices = tuple(
                parse_voice(item, builtin=builtin) for item in items if isinstance(item, Mapping)
            )
            return items, total, voices

        items, total, voices = await self._answer(page_of, "GET", "/voices", params=params)
        has_more = (page + 1) * page_size < total if total is not None else len(items) >= page_size
        return VoicePage(voices, page, page_size, has_more, total)

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        def voice_of(payload: Mapping[str, Any]) -> Voice:
            data = object_of(payload.get("data"))
            if isinstance(data.get("voice"), Mapping):
                data = data["voice"]
            return parse_voice(data)

        voice = await self._answer(
            voice_of, "GET", self._path("/voices/{voice_id}", safe="", voice_id=voice_id)
        )
        if voice.status == "deleted":
            # Soft-deleted voices may still be readable; for a caller they are gone.
            raise errors.NotFoundError(
                f"voice {voice_id} was deleted", code="404", status=404, provider=self.name
            )
        return voice

    @bounded
    async def clone_voice(
        self,
        name: str,
        audio: bytes | None = None,
        *,
        audio_url: str | None = None,
        filename: str = "sample.wav",
        language: str | None = None,
        noise_reduction: bool = True,
        deadline: Deadline | None = None,
    ) -> Voice:
        name = check_clone_input(self.name, name, audio, audio_url, url_supported=True)
        check_clone_language(
            self.name, language, [*LANGUAGE_CODES, *filter(None, LANGUAGE_CODES.values())]
        )
        mime = wire.detect_mime(audio, filename) if audio else None
        if mime is not None and mime not in _AUDIO_FORMATS:
            raise errors.ValidationError(
                f"noiz clones from WAV, MP3 or M4A only, not {mime}",
                code="VALIDATION_INVALID_VALUE",
                provider=self.name,
            )
        lang = LANGUAGE_CODES.get(language, language) if language else None

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData(default_to_multipart=True)
            if audio is not None:
                data.add_field("file", audio, filename=filename, content_type=mime)
            else:
                data.add_field("voice_url", audio_url or "")
            data.add_field("display_name", name)
            data.add_field("denoise", "true" if noise_reduction else "false")
            if lang:
                data.add_field("language", lang)
            return data

        def created(payload: Mapping[str, Any]) -> Voice | str | None:
            data = object_of(payload.get("data"))
            # The id is at `data.voice_id` (N-C1); also accept `data.id`, a top-level `voice_id`.
            voice_id = text_of(first(data, "voice_id", "id") or first(payload, "voice_id"))
            if voice_id and first(data, "display_name", "voice_display_name", "name"):
                return parse_voice({**data, "voice_id": voice_id}, builtin=False)
            return voice_id

        answer = await self._answer(created, "POST", "/voices", data=form)
        if not answer:
            raise errors.ServerError("noiz did not say which voice it created", provider=self.name)
        return answer if isinstance(answer, Voice) else await self.get_voice(answer)

    @bounded
    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None:
        await self._transport.request(
            "DELETE",
            self._path("/voices/{voice_id}", safe="", voice_id=voice_id),
            missing_ok_on_retry=True,
        )

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        check_options(self.name, text, voice_id, options, self.max_chars_per_request)
        fields = tts_fields(text, voice_id, options)
        transport = self._transport

        async def opener() -> aiohttp.ClientResponse:
            form = aiohttp.FormData(default_to_multipart=True)
            for key, value in fields.items():
                form.add_field(key, value)
            response = await transport.open("POST", "/text-to-speech", data=form)
            if "json" not in response.content_type:
                return response
            # A JSON answer with HTTP 200 is a business error (credits, rate limit, …): the
            # envelope check raises it, so 429-like ones are retried like a real 429.
            payload = transport.decode(await transport.read_body(response, "noiz TTS"), response)
            raise transport.scrub(
                errors.InvalidAudioError(
                    "noiz answered with JSON instead of audio"
                    + (f": {payload.get('message')}" if payload.get("message") else ""),
                    status=response.status,
                    request_id=response.headers.get(REQUEST_ID_HEADER),
                )
            )

        return SpeechStream(
            transport,
            opener,
            "noiz speech synthesis",
            budget=transport.budget(deadline),
            max_bytes=max_audio_bytes(text),
        )


__all__ = ["LANGUAGE_CODES", "NoizProvider", "parse_voice", "tts_fields"]
