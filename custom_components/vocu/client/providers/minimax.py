"""MiniMax audio through useapi.net (``https://api.useapi.net/v1/minimax``): reference §4.

useapi.net marked these v1 pages decommissioned (2025-08-21). This module implements the
documented contract and nothing else depends on its internals, so it can be updated or dropped
alone. ``account`` picks one of several MiniMax accounts configured at useapi.net (required by the
service only when more than one is). Synthesis is ``create-mp3`` (billed) answering with an
``audio_url``, whose MP3 is then streamed **without** the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from .. import errors, wire
from ..deadline import Deadline, bounded
from ..models import GenerationResult, SynthesisOptions, Voice, objects_of, text_of
from ..paths import id_segment
from ..streaming import SpeechStream, max_audio_bytes, open_with_synthesis_retry
from .base import DEFAULT_OPTIONS, VoicePage, check_clone_input, check_clone_language
from .common import HttpProvider, check_options, classify, first, json_object, message_of
from .registry import MINIMAX

# Our language codes → `language_boost` / clone `language_tag` (tag names from `audio/config`).
LANGUAGE_TAGS: dict[str, str] = {
    "auto": "Auto",
    "zh": "Chinese",
    "yue": "Chinese,Yue",
    "en-us": "English",
    "ja": "Japanese",
    "ko": "Korean",
    "fr-fr": "French",
    "pt": "Portuguese",
    "de": "German",
    "es": "Spanish",
}
DEFAULT_CLONE_LANGUAGE = "English"  # `language_tag` is required by clone-voice
MAX_VOICE_NAME = 30
# Our emotion weights (anger, happiness, neutral, sadness, contextual) → MiniMax's single
# `emotion`: the strongest one wins; "contextual" has no MiniMax equivalent.
_EMOTIONS = ("angry", "happy", "neutral", "sad")
_UPLOAD_TYPES = {"audio/mpeg": "audio/mpeg", "audio/wav": "audio/wav"}


def minimax_error(
    status: int, body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]
) -> errors.VoiceServiceError:
    """``{"error": "<message>", "code": 400}``; the HTTP status decides the class."""
    payload = json_object(body)
    code = payload.get("code")
    return classify(
        status,
        message_of(payload, status, secrets),
        code=str(code) if code is not None else None,
        headers=headers,
        provider=MINIMAX.name,
        secrets=secrets,
    )


def minimax_envelope_check(
    payload: Mapping[str, Any],
    body: bytes,
    status: int,
    headers: Mapping[str, str],
    secrets: tuple[str, ...],
) -> None:
    """A 2xx carrying ``{"error": …, "code": 4xx}`` is an error all the same (defensive)."""
    code = payload.get("code")
    if "error" in payload and isinstance(code, int) and code >= 400:
        raise minimax_error(code, body, headers, secrets)


def _minimax_status(data: Mapping[str, Any]) -> tuple[str, bool]:
    # `voice_status` is an undocumented number/string; only an explicit failure is not ready.
    raw = data.get("voice_status")
    text = str(raw).lower() if raw is not None else "ready"
    return text, text not in ("failed", "fail", "error", "-1")


def parse_voice(data: Mapping[str, Any], *, builtin: bool) -> Voice:
    raw_tags = data.get("tag_list")
    tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
    status, ready = _minimax_status(data)
    language = next((str(t) for t in tags if str(t) in LANGUAGE_TAGS.values()), None)
    return Voice(
        id=str(first(data, "voice_id", "uniq_id") or ""),
        name=str(first(data, "voice_name", "name") or ""),
        status=status,
        description=", ".join(map(str, tags)) or None,
        avatar=text_of(first(data, "cover_url")),
        language=language,
        source="system" if builtin else "clone",
        provider=MINIMAX.name,
        raw=dict(data),
        preview_url=text_of(first(data, "sample_audio")),
        ready=ready,
        builtin=builtin,
    )


def _body_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """useapi answers at top level; accept a ``data`` wrapper too (answers not all captured)."""
    data = payload.get("data")
    return data if isinstance(data, Mapping) else payload


def _voices_of(payload: Mapping[str, Any], *, builtin: bool) -> tuple[Voice, ...]:
    items = objects_of(_body_of(payload).get("voice_list") or None)
    return tuple(parse_voice(item, builtin=builtin) for item in items)


def _generation_of(payload: Mapping[str, Any]) -> GenerationResult:
    answer = _body_of(payload)
    return GenerationResult(
        id=text_of(first(answer, "audio_id")),
        audio_url=text_of(first(answer, "audio_url")),
        raw=dict(answer),
    )


def mp3_fields(text: str, voice_id: str, options: SynthesisOptions) -> dict[str, Any]:
    """``create-mp3`` fields. Preset, flash, seed, vivid, style: no equivalent (ignored)."""
    fields: dict[str, Any] = {"text": text, "voice_id": voice_id}
    if options.speed is not None:
        fields["speed"] = options.speed
    if options.language is not None:
        fields["language_boost"] = LANGUAGE_TAGS.get(options.language, "Auto")
    if options.emotion is not None and any(options.emotion[:4]):
        weights = options.emotion[:4]
        fields["emotion"] = _EMOTIONS[max(range(4), key=lambda i: weights[i])]
    return fields


class MiniMaxProvider(HttpProvider):
    info = MINIMAX

    def __init__(self, api_key: str, *, account: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            api_key,
            error_builder=minimax_error,
            envelope_check=minimax_envelope_check,
            **kwargs,
        )
        self.account = account.strip() if account and account.strip() else None

    def _query(self, **params: str) -> dict[str, str]:
        return {**params, "account": self.account} if self.account else params

    def _json(self, **fields: Any) -> dict[str, Any]:
        return {"account": self.account, **fields} if self.account else fields

    @bounded
    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        if not builtin:
            # `is_system=false` lists every cloned voice at once: one page.
            voices = await self._answer(
                lambda payload: _voices_of(payload, builtin=False),
                "GET",
                "/audio/voices/",
                params=self._query(is_system="false"),
            )
            return VoicePage(voices, 0, len(voices), False, len(voices))

        def page_of(payload: Mapping[str, Any]) -> VoicePage:
            body = _body_of(payload)
            voices = _voices_of(payload, builtin=True)
            items = body.get("voice_list") or []
            total = body.get("total") if isinstance(body.get("total"), int) else None
            has_more = bool(body.get("has_more")) if "has_more" in body else len(items) >= page_size
            return VoicePage(voices, page, page_size, has_more, total)

        return await self._answer(
            page_of,
            "GET",
            "/audio/voices/",
            params=self._query(is_system="true", page=str(page + 1), page_size=str(page_size)),
        )

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        """There is no single-voice endpoint: look through clones, then system voices."""
        for voice in await self.list_voices(include_builtin=True):
            if voice.id == voice_id:
                return voice
        raise errors.NotFoundError(
            f"minimax has no voice {voice_id}", code="404", status=404, provider=self.name
        )

    @bounded
    async def list_voices(
        self, *, include_builtin: bool = True, deadline: Deadline | None = None
    ) -> list[Voice]:
        voices = list((await self.voice_page(builtin=False)).voices)
        if include_builtin:
            async for voice in self._all_pages(builtin=True, page_size=500):
                voices.append(voice)
        return voices

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
        name = check_clone_input(self.name, name, audio, audio_url, url_supported=False)
        check_clone_language(self.name, language, [*LANGUAGE_TAGS, *LANGUAGE_TAGS.values()])
        if len(name) > MAX_VOICE_NAME:
            raise errors.ValidationError(
                f"minimax voice names have at most {MAX_VOICE_NAME} characters",
                code="VALIDATION_TOO_LONG",
                provider=self.name,
            )
        mime = _UPLOAD_TYPES.get(wire.detect_mime(audio or b"", filename))
        if mime is None:
            raise errors.ValidationError(
                "minimax clones from MP3 or WAV samples only",
                code="VALIDATION_INVALID_VALUE",
                provider=self.name,
            )
        file_id = await self._answer(
            lambda payload: text_of(first(_body_of(payload), "fileID", "file_id")),
            "POST",
            "/audio/upload-sample/",
            params=self._query(),
            data=audio,
            headers={"Content-Type": mime},
        )
        if not file_id:
            raise errors.ServerError(
                "minimax did not return the sample's fileID", provider=self.name
            )
        tag = LANGUAGE_TAGS.get(language, language) if language else DEFAULT_CLONE_LANGUAGE
        body = self._json(
            voice_name=name,
            language_tag=tag,
            files=str(file_id),
            need_noise_reduction=noise_reduction,
        )

        def cloned(payload: Mapping[str, Any]) -> Voice | None:
            answer = _body_of(payload)
            # Not captured beyond "returns a voice_id": top level, or a voice object.
            info = answer.get("voice_info")
            voice_id = text_of(first(answer, "voice_id") or first(info, "voice_id"))
            if not voice_id:
                return None
            data: Mapping[str, Any] = info if isinstance(info, Mapping) else answer
            return parse_voice({"voice_name": name, **data, "voice_id": voice_id}, builtin=False)

        voice = await self._answer(cloned, "POST", "/audio/clone-voice", json_body=body)
        if voice is None:
            raise errors.ServerError(
                "minimax did not say which voice it cloned", provider=self.name
            )
        return voice

    @bounded
    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None:
        """Always succeeds, even for a missing voice (the service's contract), so it retries."""
        id_segment(voice_id, "voice id", provider=self.name)  # the same id rules as in paths
        await self._transport.request(
            "POST", "/audio/delete-voice", json_body=self._json(voice_id=voice_id), retry=True
        )

    async def _create_mp3(
        self, text: str, voice_id: str, options: SynthesisOptions, *, retry: bool = True
    ) -> tuple[GenerationResult, str | None]:
        check_options(self.name, text, voice_id, options, self.max_chars_per_request)
        body = self._json(**mp3_fields(text, voice_id, options))
        transport = self._transport

        async def opener() -> aiohttp.ClientResponse:
            return await transport.open("POST", "/audio/create-mp3", json_body=body)

        response = await (open_with_synthesis_retry(transport, opener) if retry else opener())
        request_id = transport.request_id_of(response.headers)
        payload = transport.decode(await transport.read_body(response, "create-mp3"), response)
        answer = self._parse(_generation_of, payload, "POST /audio/create-mp3", request_id)
        if not answer.audio_url:
            raise errors.ServerError(
                "minimax create-mp3 returned no audio_url",
                request_id=request_id,
                provider=self.name,
            )
        return answer, request_id

    @bounded
    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        """create-mp3: its ``audio_url`` is key-free, so a player may fetch it directly."""
        return await self._generation(text, voice_id, options, retry=True)

    async def _generation(
        self, text: str, voice_id: str, options: SynthesisOptions, *, retry: bool
    ) -> GenerationResult:
        answer, request_id = await self._create_mp3(text, voice_id, options, retry=retry)
        return GenerationResult(
            id=answer.id,
            audio_url=answer.audio_url,
            request_id=request_id,
            raw=answer.raw,
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
        transport = self._transport
        created: list[GenerationResult] = []

        async def opener() -> aiohttp.ClientResponse:
            # A retry after create-mp3 succeeded only downloads again: generation is billed.
            if not created:
                # SpeechStream already retries this opener on 429 / connection failures.
                created.append(await self._generation(text, voice_id, options, retry=False))
            return await transport.open("GET", created[0].audio_url or "", auth=False)

        return SpeechStream(
            transport,
            opener,
            "minimax speech synthesis",
            budget=transport.budget(deadline),
            max_bytes=max_audio_bytes(text),
        )
