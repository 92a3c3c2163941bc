"""VocuClient: the one async client every front end (HA, Discord bot, CLI) shares.

HTTP, envelopes and error mapping live in ``_http``; streaming in ``streaming``; the WebSocket in
``turbo``; option checks and wire names in ``wire``. This class only knows the endpoints.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import aiohttp

from . import errors, wire
from ._http import RetryPolicy, Timeouts, Transport
from .body import MAX_DOWNLOAD_BYTES
from .deadline import Deadline, bounded, polling_deadline
from .hosts import VOCU_HOSTS
from .models import (
    LANGUAGES,
    Account,
    GenerationResult,
    Job,
    Preset,
    SynthesisOptions,
    Template,
    TurboChannel,
    Voice,
    data_object,
    data_objects,
    object_of,
    parse_answer,
    text_of,
)
from .paths import resource_path
from .polling import poll_until_ready
from .streaming import SpeechStream, max_audio_bytes, open_with_synthesis_retry
from .text import split_text
from .turbo import TurboSession, connect_turbo

T = TypeVar("T")  # not PEP 695 brackets: the package supports Python 3.11
_LOGGER = logging.getLogger(__name__)

HOSTS: dict[str, str] = {
    "vocu.ai": "https://v1.vocu.ai",
    "vocu.studio": "https://v1.vocu.studio",
    "wusound.cn": "https://v1.wusound.cn",
}
DEFAULT_BASE_URL = HOSTS["vocu.ai"]
_FAILED_VOICE_STATUSES = frozenset({"failed", "lora-failed", "lora-need-reupload"})
_DEFAULT_OPTIONS = SynthesisOptions()


def resolve_base_url(base_url: str) -> str:
    """Accept a host shortcut (``vocu.studio``) or a full URL (the emulator's)."""
    return HOSTS.get(base_url.strip().lower(), base_url.strip()).rstrip("/")


MAX_PAGE_SIZE = 100


def _check_page(limit: int, offset: int) -> None:
    """A page request the service would refuse or misread (a negative limit) is ours to refuse."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise errors.ValidationError(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}, not {limit}",
            code="VALIDATION_INVALID_VALUE",
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise errors.ValidationError(
            f"offset must be a whole number from 0, not {offset}", code="VALIDATION_INVALID_VALUE"
        )


def _own_hosts(base_url: str) -> frozenset[str]:
    """Vocu's hosts trust each other (exports name either); v1.wusound.cn is another service."""
    return VOCU_HOSTS if (urlsplit(base_url).hostname or "").lower() in VOCU_HOSTS else frozenset()


def _voice(payload: Mapping[str, Any]) -> Voice:
    return Voice.from_api(data_object(payload))


def _voices(payload: Mapping[str, Any]) -> list[Voice]:
    return [Voice.from_api(item) for item in data_objects(payload)]


def _job(payload: Mapping[str, Any]) -> Job:
    return Job.from_api(data_object(payload))


def _account(payload: Mapping[str, Any]) -> Account:
    # `user`, not `data` (reference §1.3)
    return Account.from_api(object_of(payload.get("user") or payload.get("data") or None))


class VocuClient:
    """Async client for the Vocu API. The key travels only in the ``Authorization`` header."""

    def __init__(  # noqa: PLR0917 - positional order is the documented contract
        self,
        api_key: str,
        session: aiohttp.ClientSession | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts | None = None,
        max_chars_per_request: int = 2000,
        user_agent: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        deadline: Deadline | None = None,
        trusted_hosts: Iterable[str] = (),
        host_map: Mapping[str, str] | None = None,
    ) -> None:
        """``trusted_hosts`` adds hosts a redirect may take the key to; ``host_map`` says where a
        host is really reached (tests: built-in hosts on the emulator). See ``hosts.py``.
        """
        self.base_url = resolve_base_url(base_url)
        self.timeouts = timeouts or Timeouts()
        self.max_chars_per_request = max_chars_per_request
        # Set by the first 403 TTS_PAID_ONLY: later whole-file syntheses go straight to a job.
        self._sync_refused = False
        # Set when GET simple-generate refused the header (401) and took `?token=` instead.
        self._get_key_in_query = False
        self._transport = Transport(
            api_key,
            self.base_url,
            session=session,
            timeouts=self.timeouts,
            retry=retry or RetryPolicy(),
            user_agent=user_agent,
            default_deadline=deadline,
            trusted_hosts=[*_own_hosts(self.base_url), *trusted_hosts],
            host_map=host_map,
        )

    def __repr__(self) -> str:
        return f"VocuClient(base_url={self.base_url!r})"

    __str__ = __repr__

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if the client created it; an injected one stays open."""
        await self._transport.close()

    def _path(self, template: str, **ids: str) -> str:
        """A path with ids: checked, encoded, kept under its resource (``paths``)."""
        return resource_path(self.base_url, template, provider="vocu", **ids)

    async def _answer(
        self, parse: Callable[[Mapping[str, Any]], T], method: str, path: str, **kwargs: Any
    ) -> T:
        """One JSON request, its answer parsed through the parse boundary."""
        payload, request_id = await self._transport.request_with_id(method, path, **kwargs)
        return parse_answer(
            parse, payload, what=f"{method} {path}", request_id=request_id, provider="vocu"
        )

    # -- account / presets ------------------------------------------------------------------

    @bounded
    async def get_account(self, *, deadline: Deadline | None = None) -> Account:
        return await self._answer(_account, "GET", "/api/account/info")

    @bounded
    async def list_presets(self, *, deadline: Deadline | None = None) -> list[Preset]:
        return await self._answer(
            lambda payload: [Preset.from_api(item) for item in data_objects(payload)],
            "GET",
            "/api/tts/presets",
        )

    # -- voices -----------------------------------------------------------------------------

    @bounded
    async def list_voices(
        self,
        *,
        include_market: bool = True,
        show_full: bool = False,
        deadline: Deadline | None = None,
    ) -> list[Voice]:
        params = {"showMarket": "true" if include_market else "false"}
        if show_full:
            params["show"] = "full"
        return await self._answer(_voices, "GET", "/api/voice", params=params)

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        return await self._answer(
            _voice, "GET", self._path("/api/voice/{voice_id}", voice_id=voice_id)
        )

    @bounded
    async def create_voice(
        self,
        name: str,
        audio: bytes,
        *,
        filename: str = "sample.wav",
        language: str | None = None,
        description: str | None = None,
        vocal_filter: bool = True,
        model_version: str | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        if not name.strip():
            raise errors.ValidationError("the voice needs a name", code="VALIDATION_MISSING_FIELD")
        if not audio:
            raise errors.ValidationError(
                "the voice sample is empty", code="VALIDATION_MISSING_FIELD"
            )
        if language is not None and language not in LANGUAGES:
            # Checked here, not by the service: the sample would be uploaded first.
            raise errors.ValidationError(
                f"unsupported language {language!r}; use one of {', '.join(LANGUAGES)}",
                code="UNSUPPORTED_LANGUAGE",
            )
        body: dict[str, Any] = {
            "name": name.strip(),
            "prompt": wire.data_url(audio, wire.detect_mime(audio, filename)),
            "vocalFilter": vocal_filter,
        }
        optional = {"language": language, "description": description, "modelVersion": model_version}
        body.update({key: value for key, value in optional.items() if value is not None})
        return await self._answer(_voice, "POST", "/api/voice", json_body=body)

    async def wait_for_voice(
        self,
        voice_id: str,
        *,
        timeout: float = 300,
        poll_interval: float = 2.0,
        on_progress: Callable[[Voice], None] | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        """Poll until the voice can speak; raise VoiceNotReadyError if it failed or time ran out.

        Without ``deadline`` the call may take ``timeout`` plus ``deadline.POLL_GRACE``.
        """
        async with self._transport.within(deadline or polling_deadline(timeout), "wait for voice"):
            return await poll_until_ready(
                self.get_voice,
                voice_id,
                timeout=timeout,
                poll_interval=poll_interval,
                on_progress=on_progress,
                failed_statuses=_FAILED_VOICE_STATUSES,
            )

    @bounded
    async def update_voice(
        self,
        voice_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        body = {
            key: value
            for key, value in (("name", name), ("description", description))
            if value is not None
        }
        path = self._path("/api/voice/{voice_id}/info", voice_id=voice_id)
        return await self._answer(_voice, "POST", path, json_body=body)

    @bounded
    async def set_voice_avatar(
        self,
        voice_id: str,
        image: bytes,
        mime: str = "image/png",
        *,
        deadline: Deadline | None = None,
    ) -> Voice:
        body = {"avatar": wire.data_url(image, mime)}
        path = self._path("/api/voice/{voice_id}/avatar", voice_id=voice_id)
        return await self._answer(_voice, "POST", path, json_body=body)

    @bounded
    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None:
        await self._transport.request(
            "DELETE",
            self._path("/api/voice/{voice_id}", voice_id=voice_id),
            missing_ok_on_retry=True,
        )

    @bounded
    async def add_style(
        self,
        voice_id: str,
        name: str,
        audio: bytes,
        *,
        description: str | None = None,
        vocal_filter: bool | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        body: dict[str, Any] = {
            "name": name,
            "prompt": wire.data_url(audio, wire.detect_mime(audio)),
        }
        if description is not None:
            body["description"] = description
        if vocal_filter is not None:
            body["vocalFilter"] = vocal_filter
        path = self._path("/api/voice/{voice_id}/prompt", voice_id=voice_id)
        return await self._answer(_voice, "POST", path, json_body=body)

    @bounded
    async def delete_style(
        self, voice_id: str, style_id: str, *, deadline: Deadline | None = None
    ) -> Voice:
        path = self._path(
            "/api/voice/{voice_id}/prompt/{style_id}", voice_id=voice_id, style_id=style_id
        )
        return await self._answer(_voice, "DELETE", path)

    @bounded
    async def get_style_transcript(
        self, voice_id: str, style_id: str, *, deadline: Deadline | None = None
    ) -> str | None:
        path = self._path(
            "/api/voice/{voice_id}/prompt/{style_id}/stt", voice_id=voice_id, style_id=style_id
        )
        data = await self._answer(lambda payload: payload.get("data"), "GET", path)
        return data if isinstance(data, str) else None

    @bounded
    async def import_shared_voice(self, share_id: str, *, deadline: Deadline | None = None) -> str:
        # Legacy endpoint, answer not captured: C-NB reads top-level `voiceId`, C-PY1 also
        # `data.voiceId`; accept both (and a Voice object under `data`).
        def voice_id_of(payload: Mapping[str, Any]) -> str | None:
            raw = payload.get("data")
            data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            return text_of(payload.get("voiceId") or data.get("voiceId") or data.get("id"))

        voice_id = await self._answer(
            voice_id_of, "POST", "/api/voice/byShareId", json_body={"shareId": share_id}
        )
        if not voice_id:
            raise errors.ServerError("the service did not say which voice was imported")
        return str(voice_id)

    # -- synthesis --------------------------------------------------------------------------

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        """Stream one request's MP3 (text up to ``max_chars_per_request``); see SpeechStream."""
        wire.validate(text, options, self.max_chars_per_request, voice_id)
        fields = wire.generation_fields(text, voice_id, options)
        transport = self._transport
        params = wire.query_fields(fields)
        if wire.needs_post_form(options) or not wire.fits_query(params):
            body = {**fields, "stream": True, "direct_stream": True}

            async def opener() -> aiohttp.ClientResponse:
                return await transport.open("POST", "/api/tts/simple-generate", json_body=body)
        else:

            async def opener() -> aiohttp.ClientResponse:
                return await self._open_simple_get(params)

        # A POST answered with the JSON envelope (direct_stream ignored) is followed to its URL.
        return SpeechStream(
            transport,
            opener,
            "speech synthesis",
            budget=transport.budget(deadline),
            max_bytes=max_audio_bytes(text),
            follow_envelope=True,
        )

    async def _open_simple_get(self, params: Mapping[str, str]) -> aiohttp.ClientResponse:
        """GET simple-generate: key in the header first; seed page 002 shows it as ``?token=``.

        A 401 generated nothing, so it is asked once more with the query form, and the form that
        worked is kept for this client. That URL is redacted wherever it could appear.
        """
        path = "/api/tts/simple-generate.mp3"
        if not self._get_key_in_query:
            try:
                return await self._transport.open("GET", path, params=params)
            except errors.AuthenticationError:
                _LOGGER.debug("GET simple-generate refused the header; trying the token query")
        response = await self._transport.open("GET", path, params=params, key_param="token")
        self._get_key_in_query = True
        return response

    async def iter_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> AsyncIterator[bytes]:
        """MP3 chunks for text of any length: one request per packed group of sentences."""
        wire.validate(text, options, None, voice_id)
        budget = self._transport.budget(deadline)  # one budget for every part
        for part in split_text(text, self.max_chars_per_request):
            with budget.active():
                stream = self.stream_speech(part, voice_id, options)
            async with stream:
                async for chunk in stream:
                    yield chunk

    @bounded
    async def synthesize(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> bytes:
        """The whole MP3. Free accounts (403 TTS_PAID_ONLY) go through an async job instead."""
        if not self._sync_refused:
            try:
                return b"".join(
                    [chunk async for chunk in self.iter_speech(text, voice_id, options)]
                )
            except errors.PaidOnlyError:
                _LOGGER.debug("synchronous generation is paid-only; using async jobs from now on")
                self._sync_refused = True
        job = await self.create_job(text, voice_id, options)
        job = await self.wait_for_job(job.id)
        if not job.audio_url:
            raise errors.ServerError("the finished job has no audio URL")
        return await self.download(job.audio_url)

    @bounded
    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        """Signed, key-free URLs (``stream_url``/``audio_url``) a player can fetch itself."""
        wire.validate(text, options, self.max_chars_per_request, voice_id)
        body = {**wire.generation_fields(text, voice_id, options), "stream": True}
        transport = self._transport

        async def opener() -> aiohttp.ClientResponse:
            return await transport.open("POST", "/api/tts/simple-generate", json_body=body)

        response = await open_with_synthesis_retry(transport, opener)
        payload = transport.decode(await transport.read_body(response, "stream URL"), response)
        request_id = transport.request_id_of(response.headers)
        return parse_answer(
            lambda answer: GenerationResult.from_api(data_object(answer), request_id),
            payload,
            what="POST /api/tts/simple-generate",
            request_id=request_id,
        )

    @bounded
    async def create_playable_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        """A key-free URL a player fetches itself: the live stream of a synchronous generation,
        or, for accounts without synchronous generation (403 TTS_PAID_ONLY, remembered like in
        `synthesize`), the audio file of a finished async job."""
        if not self._sync_refused:
            try:
                return await self.create_stream_url(text, voice_id, options)
            except errors.PaidOnlyError:
                _LOGGER.debug("synchronous generation is paid-only; using async jobs from now on")
                self._sync_refused = True
        job = await self.create_job(text, voice_id, options)
        job = await self.wait_for_job(job.id)
        if not job.audio_url:
            raise errors.ServerError("the finished job has no audio URL")
        return GenerationResult(id=job.id, audio_url=job.audio_url)

    @bounded
    async def download(self, url: str, *, deadline: Deadline | None = None) -> bytes:
        """Fetch a signed audio URL. The key is never sent (and redirects are followed).

        A job's whole MP3 may be long: capped at ``body.MAX_DOWNLOAD_BYTES``, not the JSON cap.
        """
        response = await self._transport.open("GET", url, auth=False)
        return await self._transport.read_body(response, "audio download", limit=MAX_DOWNLOAD_BYTES)

    # -- async jobs -------------------------------------------------------------------------

    @bounded
    async def create_job(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = _DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> Job:
        """Queue an async generation; long text becomes several `contents[]` segments."""
        wire.validate(text, options, None, voice_id)
        contents = [
            {"type": "text", **wire.generation_fields(part, voice_id, options)}
            for part in split_text(text, self.max_chars_per_request)
        ]
        return await self._answer(
            _job, "POST", "/api/tts/generate", json_body={"contents": contents, "srt": False}
        )

    @bounded
    async def get_job(
        self, job_id: str, *, stream: bool = False, deadline: Deadline | None = None
    ) -> Job:
        params = {"stream": "true"} if stream else None
        job = await self._answer(
            _job, "GET", self._path("/api/tts/generate/{job_id}", job_id=job_id), params=params
        )
        if stream and job.stream_url is None and job.audio_url:
            # `?stream=1` swaps `audio` for the stream URL (no separate `streamUrl`).
            return dataclasses.replace(job, stream_url=job.audio_url)
        return job

    @bounded
    async def list_jobs(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        status: str | None = None,
        deadline: Deadline | None = None,
    ) -> list[Job]:
        _check_page(limit, offset)
        params = {"limit": str(limit), "offset": str(offset)}
        if status:
            params["status"] = status
        return await self._answer(
            lambda payload: [Job.from_api(item) for item in data_objects(payload)],
            "GET",
            "/api/tts/generate",
            params=params,
        )

    async def iter_jobs(self, *, page_size: int = 20) -> AsyncIterator[Job]:
        """Every job, newest first; the list has no total, a short page is the last one."""
        offset = 0
        while True:
            page = await self.list_jobs(limit=page_size, offset=offset)
            for job in page:
                yield job
            if len(page) < page_size:
                return
            offset += page_size

    @bounded
    async def delete_job(self, job_id: str, *, deadline: Deadline | None = None) -> None:
        await self._transport.request(
            "DELETE",
            self._path("/api/tts/generate/{job_id}", job_id=job_id),
            missing_ok_on_retry=True,
        )

    async def wait_for_job(
        self,
        job_id: str,
        *,
        timeout: float = 300,
        initial_interval: float = 0.5,
        max_interval: float = 5.0,
        deadline: Deadline | None = None,
    ) -> Job:
        """Poll with growing intervals until the job is generated (failed → ServerError)."""
        async with self._transport.within(deadline or polling_deadline(timeout), "wait for job"):
            return await self._poll_job(job_id, timeout, initial_interval, max_interval)

    async def _poll_job(
        self, job_id: str, timeout: float, initial_interval: float, max_interval: float
    ) -> Job:
        give_up_at = time.monotonic() + timeout
        interval = initial_interval
        while True:
            job = await self.get_job(job_id)
            if job.status == "generated":
                return job
            if job.status == "failed":
                raise errors.ServerError(
                    f"generation job {job_id} failed", code="TTS_GENERATE_FAILED"
                )
            if time.monotonic() + interval > give_up_at:
                raise errors.ServiceTimeoutError(
                    f"generation job {job_id} is still {job.status} after {timeout:g} s"
                )
            await asyncio.sleep(interval)
            interval = min(max_interval, interval * 1.5)

    # -- templates --------------------------------------------------------------------------

    @bounded
    async def list_templates(
        self, *, limit: int = 20, offset: int = 0, deadline: Deadline | None = None
    ) -> list[Template]:
        _check_page(limit, offset)
        params = {"limit": str(limit), "offset": str(offset)}
        return await self._answer(
            lambda payload: [Template.from_api(item) for item in data_objects(payload)],
            "GET",
            "/api/template",
            params=params,
        )

    @bounded
    async def get_template(self, template_id: str, *, deadline: Deadline | None = None) -> Template:
        return await self._answer(
            lambda payload: Template.from_api(data_object(payload)),
            "GET",
            self._path("/api/template/{template_id}", template_id=template_id),
        )

    @bounded
    async def create_template(
        self,
        name: str,
        contents: Sequence[Mapping[str, Any]],
        description: str | None = None,
        *,
        deadline: Deadline | None = None,
    ) -> Template:
        body = {"name": name, "description": description or "", "contents": list(contents)}
        answer = await self._answer(
            lambda payload: (
                payload["data"]  # some answers carry only the new id
                if isinstance(payload.get("data"), str)
                else Template.from_api(data_object(payload))
            ),
            "POST",
            "/api/template",
            json_body=body,
        )
        if isinstance(answer, str):
            return await self.get_template(answer)
        if not answer.id:
            raise errors.UnexpectedResponseError(
                "the service did not return the new template", provider="vocu"
            )
        return answer

    @bounded
    async def update_template(
        self,
        template_id: str,
        name: str,
        contents: Sequence[Mapping[str, Any]],
        description: str | None = None,
        *,
        deadline: Deadline | None = None,
    ) -> Template:
        """Full replace; the answer is a bare ``{status:200}``, so the template is re-read."""
        body = {"name": name, "description": description or "", "contents": list(contents)}
        await self._transport.request(
            "POST",
            self._path("/api/template/{template_id}", template_id=template_id),
            json_body=body,
        )
        return await self.get_template(template_id)

    @bounded
    async def delete_template(self, template_id: str, *, deadline: Deadline | None = None) -> None:
        await self._transport.request(
            "DELETE",
            self._path("/api/template/{template_id}", template_id=template_id),
            missing_ok_on_retry=True,
        )

    # -- turbo WebSocket --------------------------------------------------------------------

    @bounded
    async def open_turbo_channel(
        self, voice_id: str, *, deadline: Deadline | None = None
    ) -> TurboChannel:
        return await self._answer(
            lambda payload: TurboChannel.from_api(data_object(payload)),
            "POST",
            "/api/tts/turbo/channel",
            json_body={"voiceId": voice_id},
        )

    @asynccontextmanager
    async def turbo(self, voice_id: str) -> AsyncIterator[TurboSession]:
        """Open a channel, connect to it, keep it alive; closed when the block ends."""
        channel = await self.open_turbo_channel(voice_id)
        session = await connect_turbo(self._transport, channel)
        try:
            yield session
        finally:
            await session.close()
