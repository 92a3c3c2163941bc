"""MiniMax's own API (``https://api.minimax.io``; mainland ``https://api.minimaxi.com``).

Bearer key; a ``GroupId`` query parameter is sent only when one is configured (older accounts and
clients use it; the current pages do not ask for it). Every answer carries ``base_resp``
``{status_code, status_msg}``; a non-zero code is an error even with HTTP 200. Synthesis is
``POST /v1/t2a_v2`` with ``stream: true``: server-sent events with hex audio, decoded by
:mod:`.minimax_sse` as they arrive. Cloning is an upload (``/v1/files/upload``) then
``/v1/voice_clone`` under a voice id *we* choose; a clone not used for speech within 7 days is
deleted by MiniMax, and ``get_voice`` lists it only after its first use, so clones made through
this provider are remembered (in memory) until the list shows them. Field sources:
``docs/architecture.md`` ("MiniMax official").
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any

import aiohttp

from .. import errors, wire
from ..deadline import Deadline, bounded
from ..models import GenerationResult, SynthesisOptions, Voice, objects_of, text_of
from ..paths import id_segment
from ..redact import redact_text
from ..streaming import CHUNK_SIZE, SpeechStream, max_audio_bytes, open_with_synthesis_retry
from .base import DEFAULT_OPTIONS, VoicePage, check_clone_input, check_clone_language
from .common import HttpProvider, check_options, classify, first, json_object, message_of
from .minimax_sse import HexAudioEvents
from .registry import MINIMAX_OFFICIAL

DEFAULT_MODEL = "speech-2.8-hd"
TRACE_ID_HEADER = "Trace-Id"
# Our language codes → `language_boost` (the T2A page's enum; "auto" is lower-case there).
LANGUAGE_BOOST: dict[str, str] = {
    "auto": "auto",
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
# Our emotion weights (anger, happiness, neutral, sadness, contextual) → one `emotion`: the
# strongest wins; neutral or contextual strongest sends none (the model picks).
_EMOTIONS = ("angry", "happy", None, "sad")
_UPLOAD_TYPES = frozenset({"audio/mpeg", "audio/wav", "audio/mp4"})  # mp3, wav, m4a
# voice_clone's `voice_id`: 8-256 characters, a letter first, letters/digits/-/_ only, not ending
# in - or _, with letters and digits both present (the strictest reading of the pages).
VOICE_ID_RULES = (
    "8-256 characters: a letter first, then letters, digits, '-' or '_', not ending in '-' or "
    "'_', and at least one digit"
)
_VOICE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{6,254}[A-Za-z0-9]")
CLONE_EXPIRY_NOTE = "MiniMax deletes a cloned voice that is not used for speech within 7 days"

# base_resp.status_code → the HTTP-like status our `classify` understands (error-code page).
_CODE_STATUS: dict[int, int] = {
    1000: 500,  # unknown error
    1001: 504,  # request timeout
    1002: 429,  # rate limit
    1004: 401,  # not authorized / token does not match group
    1008: 402,  # insufficient balance
    1013: 500,  # internal service error
    1024: 500,
    1026: 400,  # input contains sensitive content
    1027: 400,  # output contains sensitive content
    1033: 500,
    1039: 429,  # token rate limit
    1041: 429,  # connection limit
    1042: 400,  # too many invisible characters
    1043: 400,  # clone: sample failed the ASR check
    1044: 400,  # clone: prompt similarity check failed
    2013: 400,  # invalid parameters
    20132: 400,  # invalid samples or voice_id
    2037: 400,  # sample duration out of range
    2038: 403,  # no permission (real-name verification for cloning)
    2039: 400,  # voice_id already exists
    2042: 403,  # no access to this voice_id
    2045: 429,  # rate growth limit
    2048: 400,  # prompt audio too long
    2049: 401,  # invalid API key
    2054: 404,  # voice id does not exist
    2056: 402,  # usage limit exceeded
}


def _base_resp(payload: Mapping[str, Any]) -> tuple[int | None, str]:
    base = payload.get("base_resp")
    if not isinstance(base, Mapping):
        return None, ""
    code = base.get("status_code")
    if isinstance(code, bool) or not isinstance(code, int | str):
        return None, ""
    try:
        number = int(code)
    except ValueError:
        return None, ""
    message = base.get("status_msg")
    return number, message if isinstance(message, str) else ""


def _error_for(
    number: int | None,
    message: str,
    *,
    http_status: int,
    headers: Mapping[str, str],
    payload: Mapping[str, Any],
    secrets_: tuple[str, ...],
) -> errors.VoiceServiceError:
    if number is None:
        status = http_status
    elif number in _CODE_STATUS:
        status = _CODE_STATUS[number]
    elif http_status >= 400:
        status = http_status
    else:  # undocumented: 1xxx are the service's failures, 2xxx the request's
        status = 500 if number < 2000 else 400
    # The code itself shows in str(error) as "[1008]".
    text = redact_text(message.strip(), secrets_) or message_of(payload, http_status, secrets_)
    exc = classify(
        status,
        text,
        code=str(number) if number is not None else None,
        headers=headers,
        provider=MINIMAX_OFFICIAL.name,
        secrets=secrets_,
    )
    trace_id = headers.get(TRACE_ID_HEADER) or payload.get("trace_id")
    exc.request_id = exc.request_id or (str(trace_id) if trace_id else None)
    return exc.redact(secrets_)  # the trace id is network text too


def minimax_official_error(
    status: int, body: bytes, headers: Mapping[str, str], secrets_: tuple[str, ...]
) -> errors.VoiceServiceError:
    """A non-2xx answer: ``base_resp`` when present, else the HTTP status."""
    payload = json_object(body)
    number, message = _base_resp(payload)
    return _error_for(
        number, message, http_status=status, headers=headers, payload=payload, secrets_=secrets_
    )


def minimax_official_envelope_check(
    payload: Mapping[str, Any],
    body: bytes,
    status: int,
    headers: Mapping[str, str],
    secrets_: tuple[str, ...],
) -> None:
    """HTTP 200 with ``base_resp.status_code`` not 0 is an error (MiniMax's usual way)."""
    number, message = _base_resp(payload)
    if number not in (None, 0):
        raise _error_for(
            number, message, http_status=status, headers=headers, payload=payload, secrets_=secrets_
        )


def check_voice_id(voice_id: str) -> str:
    """The clone's voice id, or ValidationError naming the rules (before anything is sent)."""
    if not _VOICE_ID.fullmatch(voice_id) or not re.search(r"\d", voice_id):
        raise errors.ValidationError(
            f"MiniMax voice ids are {VOICE_ID_RULES}; {voice_id!r} is not",
            code="VALIDATION_INVALID_VALUE",
            provider=MINIMAX_OFFICIAL.name,
        )
    return voice_id


def voice_id_for(name: str) -> str:
    """A valid, fresh voice id derived from a display name: ``Grandma-Rose-483920``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_name)
    slug = "-".join(words)[:40].strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"voice-{slug}" if slug else "voice"
    return check_voice_id(f"{slug}-{secrets.randbelow(10**6):06d}")


def parse_voice(data: Mapping[str, Any], *, kind: str, name: str | None = None) -> Voice:
    """One entry of ``get_voice``'s ``system_voice`` / ``voice_cloning`` / ``voice_generation``."""
    described = data.get("description")
    description = (
        ", ".join(map(str, described))
        if isinstance(described, list)
        else (described if isinstance(described, str) else None)
    )
    voice_id = str(first(data, "voice_id") or "")
    return Voice(
        id=voice_id,
        # Clones have no name at MiniMax: the id (derived from the name we were given) stands in.
        name=str(name or first(data, "voice_name") or voice_id),
        status="ready",
        description=description or None,
        source=kind,
        provider=MINIMAX_OFFICIAL.name,
        raw=dict(data),
        ready=True,
        builtin=kind == "system_voice",
    )


def t2a_body(
    text: str, voice_id: str, options: SynthesisOptions, *, model: str, stream: bool
) -> dict[str, Any]:
    """``POST /v1/t2a_v2``. Preset, flash, seed, vivid, style: no equivalent (not sent)."""
    voice_setting: dict[str, Any] = {"voice_id": voice_id}
    if options.speed is not None:
        voice_setting["speed"] = options.speed
    if options.emotion is not None and any(options.emotion[:4]):
        weights = options.emotion[:4]
        emotion = _EMOTIONS[max(range(4), key=lambda i: weights[i])]
        if emotion:
            voice_setting["emotion"] = emotion
    body: dict[str, Any] = {
        "model": model,
        "text": text,
        "stream": stream,
        "voice_setting": voice_setting,
        "audio_setting": {"format": "mp3", "sample_rate": 32000, "bitrate": 128000, "channel": 1},
    }
    if stream:
        body["stream_options"] = {"exclude_aggregated_audio": True}
    else:
        body["output_format"] = "url"
    if options.language is not None:
        body["language_boost"] = LANGUAGE_BOOST.get(options.language, "auto")
    return body


class HexAudioSpeechStream(SpeechStream):
    """A SpeechStream whose body is MiniMax's SSE: each read returns decoded MP3 bytes.

    The MP3 frame checks of the base class see the decoded audio; a clean end is the final
    event (``HexAudioEvents.finish``), not the last MP3 frame.
    """

    def __init__(self, *args: Any, decoder: HexAudioEvents, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decoder = decoder
        self._pending = b""
        self._ended = False

    @property
    def bytes_received(self) -> int:
        """MP3 bytes decoded so far (not the hex text around them)."""
        return self._decoder.audio_bytes

    async def _read(self) -> bytes:
        assert self._reader is not None
        while not self._pending and not self._ended:
            try:
                raw = await self._reader.read()
            except errors.StreamInterruptedError as exc:
                exc.bytes_received = self._decoder.audio_bytes
                raise
            if raw:
                audio = self._decoder.feed(raw)
            else:
                self._ended = True
                audio = self._decoder.finish()
            if audio:
                self._frames.feed(audio)
            self._pending = audio
        chunk, self._pending = self._pending[:CHUNK_SIZE], self._pending[CHUNK_SIZE:]
        return chunk


class MiniMaxOfficialProvider(HttpProvider):
    info = MINIMAX_OFFICIAL

    def __init__(
        self,
        api_key: str,
        *,
        group_id: str | None = None,
        model: str = DEFAULT_MODEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            api_key,
            error_builder=minimax_official_error,
            envelope_check=minimax_official_envelope_check,
            **kwargs,
        )
        self.group_id = group_id.strip() if group_id and group_id.strip() else None
        self.model = model
        # Clones made here: their names (MiniMax keeps none), and those `get_voice` does not list
        # yet (it lists a clone only after its first use).
        self._clone_names: dict[str, str] = {}
        self._unlisted: dict[str, Voice] = {}
        self._generated_ids: set[str] = set()

    def _params(self) -> dict[str, str] | None:
        return {"GroupId": self.group_id} if self.group_id else None

    async def _post(self, path: str, body: Any, *, retry: bool = False) -> Mapping[str, Any]:
        return await self._transport.request(
            "POST", path, params=self._params(), json_body=body, retry=retry
        )

    # -- voices -----------------------------------------------------------------------------

    async def _voices(self) -> tuple[list[Voice], list[Voice]]:
        """(own, system): one ``get_voice`` call (a read, so retried)."""

        def lists_of(payload: Mapping[str, Any]) -> tuple[list[Voice], list[Voice]]:
            own = [
                parse_voice(item, kind=kind, name=self._clone_names.get(str(item["voice_id"])))
                for kind in ("voice_cloning", "voice_generation")
                for item in objects_of(payload.get(kind) or None)
                if first(item, "voice_id")
            ]
            system = [
                parse_voice(item, kind="system_voice")
                for item in objects_of(payload.get("system_voice") or None)
                if first(item, "voice_id")
            ]
            return own, system

        own, system = await self._answer(
            lists_of,
            "POST",
            "/v1/get_voice",
            params=self._params(),
            json_body={"voice_type": "all"},
            retry=True,
        )
        for voice in own:
            self._unlisted.pop(voice.id, None)
        self._generated_ids = {v.id for v in own if v.source == "voice_generation"}
        return own + list(self._unlisted.values()), system

    @bounded
    async def list_voices(
        self, *, include_builtin: bool = True, deadline: Deadline | None = None
    ) -> list[Voice]:
        own, system = await self._voices()
        return own + system if include_builtin else own

    @bounded
    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        """``get_voice`` has no paging: one list, cut here."""
        own, system = await self._voices()
        voices = system if builtin else own
        start = max(0, page) * max(1, page_size)
        chunk = tuple(voices[start : start + page_size])
        return VoicePage(chunk, page, page_size, start + page_size < len(voices), len(voices))

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        own, system = await self._voices()
        for voice in own + system:
            if voice.id == voice_id:
                return voice
        raise errors.NotFoundError(
            f"minimax has no voice {voice_id}", code="2054", status=404, provider=self.name
        )

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
        voice_id: str | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        """Upload the sample, then clone it as ``voice_id`` (derived from ``name`` if None).

        MiniMax deletes a clone that is not used for speech within 7 days.
        """
        name = check_clone_input(self.name, name, audio, audio_url, url_supported=False)
        check_clone_language(self.name, language, [*LANGUAGE_BOOST, *LANGUAGE_BOOST.values()])
        voice_id = check_voice_id(voice_id.strip()) if voice_id else voice_id_for(name)
        mime = wire.detect_mime(audio or b"", filename)
        if mime not in _UPLOAD_TYPES:
            raise errors.ValidationError(
                "minimax clones from MP3, M4A or WAV samples only",
                code="VALIDATION_INVALID_VALUE",
                provider=self.name,
            )
        sample = audio or b""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData(default_to_multipart=True)
            data.add_field("purpose", "voice_clone")
            data.add_field("file", sample, filename=filename, content_type=mime)
            return data

        uploaded = await self._transport.request(
            "POST", "/v1/files/upload", params=self._params(), data=form
        )
        file_info = uploaded.get("file")
        file_id = first(file_info, "file_id") if isinstance(file_info, Mapping) else None
        if file_id is None:
            raise errors.ServerError(
                "minimax did not return the sample's file_id", provider=self.name
            )
        body: dict[str, Any] = {
            "file_id": file_id,
            "voice_id": voice_id,
            "need_noise_reduction": noise_reduction,
        }
        if language:
            body["language_boost"] = LANGUAGE_BOOST.get(language, language)
        await self._post("/v1/voice_clone", body)
        voice = Voice(
            id=voice_id,
            name=name,
            status="ready",
            description=CLONE_EXPIRY_NOTE,
            source="voice_cloning",
            provider=self.name,
            raw={"voice_id": voice_id, "file_id": file_id},
            ready=True,
        )
        self._clone_names[voice_id] = name
        self._unlisted[voice_id] = voice
        return voice

    @bounded
    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None:
        id_segment(voice_id, "voice id", provider=self.name)  # the same id rules as in paths
        kind = "voice_generation" if voice_id in self._generated_ids else "voice_cloning"
        await self._post("/v1/delete_voice", {"voice_type": kind, "voice_id": voice_id})
        self._unlisted.pop(voice_id, None)

    # -- synthesis --------------------------------------------------------------------------

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        check_options(self.name, text, voice_id, options, self.max_chars_per_request)
        body = t2a_body(text, voice_id, options, model=self.model, stream=True)
        transport = self._transport
        params = self._params()

        async def opener() -> aiohttp.ClientResponse:
            response = await transport.open("POST", "/v1/t2a_v2", params=params, json_body=body)
            if "json" not in response.content_type:
                return response
            # A JSON answer instead of events: an error (`base_resp`) with HTTP 200.
            payload = transport.decode(await transport.read_body(response, "t2a_v2"), response)
            trace_id = response.headers.get(TRACE_ID_HEADER) or first(payload, "trace_id")
            raise transport.scrub(
                errors.InvalidAudioError(
                    "minimax answered with JSON instead of an audio event stream",
                    status=response.status,
                    request_id=str(trace_id) if trace_id else None,
                )
            )

        decoder = HexAudioEvents(self._event_error, provider=self.name)
        return HexAudioSpeechStream(
            transport,
            opener,
            "minimax speech synthesis",
            budget=transport.budget(deadline),
            # The events carry the MP3 as hex (x2) in JSON; the final one may repeat it all.
            max_bytes=5 * max_audio_bytes(text),
            decoder=decoder,
        )

    def _event_error(self, event: Mapping[str, Any]) -> errors.VoiceServiceError:
        number, message = _base_resp(event)
        return _error_for(
            number,
            message,
            http_status=200,
            headers={},
            payload=event,
            secrets_=self._transport.secrets,
        )

    @bounded
    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        """``output_format: url``: a signed download URL of MiniMax's storage, without our key."""
        check_options(self.name, text, voice_id, options, self.max_chars_per_request)
        body = t2a_body(text, voice_id, options, model=self.model, stream=False)
        transport = self._transport

        async def opener() -> aiohttp.ClientResponse:
            return await transport.open("POST", "/v1/t2a_v2", params=self._params(), json_body=body)

        response = await open_with_synthesis_retry(transport, opener)
        trace_id = response.headers.get(TRACE_ID_HEADER)
        request_id = (
            transport.redact(trace_id) if trace_id else transport.request_id_of(response.headers)
        )
        payload = transport.decode(await transport.read_body(response, "t2a_v2"), response)
        data = payload.get("data")
        url = first(data, "audio") if isinstance(data, Mapping) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise transport.scrub(
                errors.ServerError("minimax t2a_v2 returned no audio URL", request_id=request_id)
            )
        return GenerationResult(
            id=text_of(first(payload, "trace_id")),
            audio_url=url,
            request_id=request_id or text_of(first(payload, "trace_id")),
            raw={k: v for k, v in payload.items() if k != "data"},
        )


__all__ = [
    "CLONE_EXPIRY_NOTE",
    "LANGUAGE_BOOST",
    "VOICE_ID_RULES",
    "MiniMaxOfficialProvider",
    "check_voice_id",
    "parse_voice",
    "t2a_body",
    "voice_id_for",
]
