"""What the HTTP providers (Noiz, MiniMax) share: lifecycle, chunked speech, paging, errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, TypeVar

import aiohttp

from .. import errors, wire
from .._http import (
    CREDIT_TEXT,
    REQUEST_ID_HEADER,
    EnvelopeCheck,
    ErrorBuilder,
    RetryPolicy,
    Timeouts,
    Transport,
)
from ..deadline import Deadline, bounded, polling_deadline
from ..models import Account, GenerationResult, SynthesisOptions, Voice, parse_answer
from ..paths import resource_path
from ..polling import poll_until_ready
from ..redact import redact_text
from ..streaming import SpeechStream
from ..text import split_text
from .base import (
    DEFAULT_OPTIONS,
    AuthStyle,
    ProviderBasics,
    ProviderInfo,
    VoicePage,
)
from .base import unsupported as _unsupported

# "You've hit the rate limit. Please retry in 20 seconds" (Noiz, sent with HTTP 200).
_RATE_LIMIT_TEXT = re.compile(r"rate.?limit|too many requests", re.IGNORECASE)
_RETRY_IN = re.compile(r"retry (?:in|after) (\d+(?:\.\d+)?) ?s", re.IGNORECASE)
_CREDIT_TEXT = CREDIT_TEXT
T = TypeVar("T")  # not PEP 695 brackets: the package supports Python 3.11
_LIST_PAGES_LIMIT = 200  # a service that always says "more" must not loop forever


def retry_after_of(headers: Mapping[str, str], message: str) -> float | None:
    value = headers.get("Retry-After")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
    match = _RETRY_IN.search(message)
    return float(match.group(1)) if match else None


def classify(
    status: int,
    message: str,
    *,
    code: str | None,
    headers: Mapping[str, str],
    provider: str,
    secrets: tuple[str, ...] = (),
) -> errors.VoiceServiceError:
    """Our exception for a service's status-like number (HTTP status or envelope code).

    Every field is redacted with ``secrets`` (a server may echo the key into any of them).
    """
    return _classify(status, message, code=code, headers=headers, provider=provider).redact(secrets)


def _classify(
    status: int,
    message: str,
    *,
    code: str | None,
    headers: Mapping[str, str],
    provider: str,
) -> errors.VoiceServiceError:
    kwargs: dict[str, Any] = {
        "code": code,
        "status": status,
        "request_id": headers.get(REQUEST_ID_HEADER),
        "provider": provider,
    }
    if status == 429 or _RATE_LIMIT_TEXT.search(message):
        return errors.RateLimitError(
            message, retry_after=retry_after_of(headers, message), **kwargs
        )
    if status == 401:
        return errors.AuthenticationError(message, **kwargs)
    if status == 402 or (status == 403 and _CREDIT_TEXT.search(message)):
        return errors.InsufficientCreditsError(message, **kwargs)
    if status == 403:
        return errors.PermissionDeniedError(message, **kwargs)
    if status in (404, 410):
        return errors.NotFoundError(message, **kwargs)
    if status in (400, 413, 415, 422):
        return errors.ValidationError(message, **kwargs)
    if status >= 500:
        return errors.ServerError(message, **kwargs)
    return errors.VoiceServiceError(message, **kwargs)


def json_object(body: bytes) -> Mapping[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8", "replace")) if body else None
    except (ValueError, RecursionError):
        return {}
    return payload if isinstance(payload, Mapping) else {}


def message_of(payload: Mapping[str, Any], status: int, secrets: tuple[str, ...]) -> str:
    message = payload.get("message") or payload.get("error") or payload.get("detail")
    if isinstance(message, Mapping):
        message = message.get("message")
    if not isinstance(message, str) or not message.strip():
        message = f"HTTP {status} from the voice service"
    return redact_text(message, secrets)


def first(mapping: Mapping[str, Any] | None, *keys: str) -> Any:
    """The first present, non-empty value among ``keys``."""
    if not isinstance(mapping, Mapping):
        return None
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return value
    return None


def check_options(
    provider: str, text: str, voice_id: str, options: SynthesisOptions, max_chars: int | None
) -> None:
    """Our usual checks, plus: these services have one style per voice."""
    try:
        wire.validate(text, options, max_chars, voice_id)
    except errors.ValidationError as exc:
        exc.provider = provider
        raise
    if options.style_id != "default":
        raise errors.ValidationError(
            f"{provider} voices have no styles; use style 'default', not {options.style_id!r}",
            code="VALIDATION_INVALID_VALUE",
            provider=provider,
        )


class HttpProvider(ProviderBasics):
    """Base of the non-Vocu providers; subclasses implement the service calls."""

    info: ProviderInfo
    list_page_size = 100  # page size of a whole-list walk (list_voices)

    def __init__(
        self,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
        max_chars_per_request: int | None = None,
        error_builder: ErrorBuilder,
        envelope_check: EnvelopeCheck,
        trusted_hosts: Iterable[str] = (),
        host_map: Mapping[str, str] | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = (base_url or self.info.default_base_url).strip().rstrip("/")
        self.max_chars_per_request = max_chars_per_request or self.info.max_chars_per_request
        self.timeouts = timeouts or Timeouts()
        self._transport = Transport(
            api_key,
            self.base_url,
            session=session,
            timeouts=self.timeouts,
            retry=retry or RetryPolicy(),
            user_agent=user_agent,
            auth_scheme="Bearer" if self.info.auth_style is AuthStyle.BEARER else None,
            error_builder=error_builder,
            envelope_check=envelope_check,
            provider=self.info.name,
            trusted_hosts=trusted_hosts,
            host_map=host_map,
            default_deadline=deadline,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    __str__ = __repr__

    async def close(self) -> None:
        await self._transport.close()

    def _path(self, template: str, *, safe: str = ":", **ids: str) -> str:
        """A path with ids: checked, encoded, kept under its resource (``paths``)."""
        return resource_path(self.base_url, template, provider=self.name, safe=safe, **ids)

    async def _answer(
        self, parse: Callable[[Mapping[str, Any]], T], method: str, path: str, **kwargs: Any
    ) -> T:
        """One JSON request, its answer parsed through the parse boundary."""
        payload, request_id = await self._transport.request_with_id(method, path, **kwargs)
        return self._parse(parse, payload, f"{method} {path}", request_id)

    def _parse(
        self,
        parse: Callable[[Mapping[str, Any]], T],
        payload: Mapping[str, Any],
        what: str,
        request_id: str | None,
    ) -> T:
        return parse_answer(parse, payload, what=what, request_id=request_id, provider=self.name)

    # -- voices -----------------------------------------------------------------------------

    @bounded
    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        raise NotImplementedError

    @bounded
    async def list_voices(
        self, *, include_builtin: bool = True, deadline: Deadline | None = None
    ) -> list[Voice]:
        voices: list[Voice] = []
        for builtin in (False, True) if include_builtin else (False,):
            async for voice in self._all_pages(builtin=builtin):
                voices.append(voice)
        return voices

    async def _all_pages(
        self, *, builtin: bool, page_size: int | None = None
    ) -> AsyncIterator[Voice]:
        page_size = page_size or self.list_page_size
        for page in range(_LIST_PAGES_LIMIT):
            result = await self.voice_page(page, page_size, builtin=builtin)
            for voice in result.voices:
                yield voice
            if not result.has_more or not result.voices:
                return

    async def wait_for_voice(
        self,
        voice_id: str,
        *,
        timeout: float = 300,
        poll_interval: float = 2.0,
        on_progress: Callable[[Voice], None] | None = None,
        deadline: Deadline | None = None,
    ) -> Voice:
        async with self._transport.within(deadline or polling_deadline(timeout), "wait for voice"):
            return await poll_until_ready(
                self.get_voice,
                voice_id,
                timeout=timeout,
                poll_interval=poll_interval,
                on_progress=on_progress,
            )

    @bounded
    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice:
        raise NotImplementedError

    # -- synthesis --------------------------------------------------------------------------

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        raise NotImplementedError

    async def iter_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> AsyncIterator[bytes]:
        check_options(self.name, text, voice_id, options, None)
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
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> bytes:
        return b"".join([chunk async for chunk in self.iter_speech(text, voice_id, options)])

    # -- optional ---------------------------------------------------------------------------

    @bounded
    async def get_account(self, *, deadline: Deadline | None = None) -> Account:
        raise _unsupported(self.name, "account endpoint")

    @bounded
    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult:
        raise _unsupported(self.name, "key-free stream URLs")
