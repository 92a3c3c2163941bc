"""Transport: one place that sends requests, parses envelopes and maps failures to our errors.

Everything that talks HTTP goes through :class:`Transport`; it owns the API key (header only, never
a URL), the retry policy for idempotent reads, the connect/first-byte/idle/total timeouts and the
debug log lines (method, path, status, request id, milliseconds - never a query string or key).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from . import errors
from .body import MAX_ERROR_BODY_BYTES, MAX_JSON_BYTES, BodyReader
from .deadline import Budget, BudgetScope, Deadline, active_budget
from .errors import TimeoutLimit
from .hosts import MAX_REDIRECTS, REDIRECT_STATUSES, HostPolicy
from .redact import redact_optional, redact_text, redact_url

_LOGGER = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Vocu-App-Request-Id"
DEFAULT_USER_AGENT = "vocu-voice/0.1 (+https://github.com/vocu-voice)"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; ``None`` disables a limit.

    ``connect`` bounds the TCP/TLS connection; ``idle`` is the longest pause allowed between two
    chunks of a running answer. ``first_byte`` and ``total`` are the client's default
    :class:`~.deadline.Deadline` (``deadline.DEFAULT_DEADLINE``) for calls that pass none:
    simple-generate may block about 330 s before it answers 429 ``RATE_LIMIT_CONCURRENT``, so
    both are above that. Per call, pass ``deadline=`` instead.
    """

    connect: float | None = 10.0
    first_byte: float | None = 360.0
    idle: float | None = 30.0
    total: float | None = 420.0

    def as_deadline(self) -> Deadline:
        return Deadline(total=self.total, first_byte=self.first_byte)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff for reads, and the 429 budget for billed synthesis."""

    attempts: int = 3  # total tries of an idempotent read (GET, DELETE)
    backoff: float = 0.5  # first delay; doubles each retry
    max_backoff: float = 8.0
    synthesis_attempts: int = 3  # total tries of a synthesis (429 / failure before headers only)
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: the error is raised

    def delay(self, retry_number: int) -> float:
        return min(self.max_backoff, self.backoff * 2.0**retry_number)


# A 403 or 402 without a usable code that is about money. Seed 002 documents "403 Insufficient
# remaining credits" with no code; Vocu localises messages, hence the Chinese words.
CREDIT_TEXT = re.compile(r"credit|balance|payment|quota exceeded|余额|积分|额度", re.IGNORECASE)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare here, treat as unknown


def build_error(
    status: int, body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...] = ()
) -> errors.VoiceServiceError:
    """Map an error answer to our exception tree: keyed on ``code`` first, then HTTP status.

    The body may be the documented ``{status, code, message, requestId}``, an older
    ``{status, message}``, ``{"error": {"message"}}`` or not JSON at all (a proxy's HTML 502).
    """
    payload: Any = None
    try:
        payload = json.loads(body.decode("utf-8", "replace")) if body else None
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, Mapping):
        payload = {}
    nested = payload.get("error") if isinstance(payload.get("error"), Mapping) else {}
    code = payload.get("code") or nested.get("code")
    code = str(code) if code else None
    message = payload.get("message") or nested.get("message")
    if not isinstance(message, str) or not message.strip():
        message = f"HTTP {status} from the voice service"
    request_id = headers.get(REQUEST_ID_HEADER) or payload.get("requestId") or None
    kwargs: dict[str, Any] = {
        "code": redact_optional(code, secrets),
        "status": status,
        "request_id": redact_optional(request_id, secrets),
    }
    message = redact_text(message, secrets)

    if code in ("VOICE_CREATING", "VOICE_NOT_TTS_READY", "VOICE_CREATE_FAILED"):
        return errors.VoiceNotReadyError(message, **kwargs)
    if code == "BILLING_INSUFFICIENT_CREDIT":
        return errors.InsufficientCreditsError(message, **kwargs)
    if code == "TTS_PAID_ONLY":
        return errors.PaidOnlyError(message, **kwargs)
    if code in ("RATE_LIMIT_EXCEEDED", "RATE_LIMIT_CONCURRENT") or status == 429:
        return errors.RateLimitError(message, retry_after=_retry_after(headers), **kwargs)
    if status == 401 or code == "AUTH_UNAUTHORIZED":
        return errors.AuthenticationError(message, **kwargs)
    if status == 403 and not code and CREDIT_TEXT.search(message):
        return errors.InsufficientCreditsError(message, **kwargs)
    if status == 403:
        return errors.PermissionDeniedError(message, **kwargs)
    if status == 404:
        return errors.NotFoundError(message, **kwargs)
    if status in (400, 413, 422):
        return errors.ValidationError(message, **kwargs)
    if status >= 500:
        return errors.ServerError(message, **kwargs)
    if status == 409:
        return (
            errors.VoiceNotReadyError(message, **kwargs)
            if code
            else errors.ValidationError(message, **kwargs)
        )
    return errors.VoiceServiceError(message, **kwargs)


def network_error(exc: BaseException, what: str) -> errors.ServiceConnectionError:
    """Map aiohttp/asyncio failures without echoing URLs (they may carry signed queries)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return errors.ServiceTimeoutError(
            f"{what}: could not connect in time", limit=TimeoutLimit.CONNECT
        )
    if isinstance(exc, TimeoutError):
        return errors.ServiceTimeoutError(f"{what}: no answer in time")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return errors.StreamInterruptedError(f"{what}: the connection broke mid-answer")
    return errors.ServiceConnectionError(f"{what}: {type(exc).__name__}")


# (HTTP status, body, headers, secrets to redact) -> our exception, for a non-2xx answer.
ErrorBuilder = Callable[[int, bytes, Mapping[str, str], tuple[str, ...]], errors.VoiceServiceError]
# (decoded JSON object, raw body, response status, headers, secrets) -> None, or raises: catches
# business errors a service sends inside a 2xx answer.
EnvelopeCheck = Callable[[Mapping[str, Any], bytes, int, Mapping[str, str], tuple[str, ...]], None]


def vocu_envelope_check(
    payload: Mapping[str, Any],
    body: bytes,
    status: int,
    headers: Mapping[str, str],
    secrets: tuple[str, ...],
) -> None:
    """Vocu sometimes answers HTTP 200 with ``{"status": 4xx, ...}``: an error all the same."""
    inner = payload.get("status")
    if isinstance(inner, int) and inner >= 300:
        raise build_error(inner, body, headers, secrets)


class Transport:
    """Authenticated JSON and streaming requests against one service's base URL.

    Defaults are Vocu's; other providers pass their ``auth_scheme`` (None = the bare key in the
    Authorization header), ``error_builder``, ``envelope_check`` and ``provider`` name.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None,
        timeouts: Timeouts,
        retry: RetryPolicy,
        user_agent: str | None,
        auth_scheme: str | None = "Bearer",
        error_builder: ErrorBuilder | None = None,
        envelope_check: EnvelopeCheck | None = None,
        provider: str = "vocu",
        default_deadline: Deadline | None = None,
        trusted_hosts: Iterable[str] = (),
        host_map: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        if not api_key or not api_key.strip():
            raise errors.AuthenticationError(
                "no API key given", code="AUTH_UNAUTHORIZED", provider=provider
            )
        self._api_key = api_key.strip()
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in self._api_key):
            # A CR/LF would split the Authorization header; say so now, not as a traceback later.
            raise errors.AuthenticationError(
                "the API key contains a line break or control character",
                code="AUTH_UNAUTHORIZED",
                provider=provider,
            )
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self.timeouts = timeouts
        self.default_deadline = default_deadline or timeouts.as_deadline()
        self.retry = retry
        self.user_agent = user_agent or DEFAULT_USER_AGENT
        self._auth_scheme = auth_scheme
        self._error_builder = error_builder or build_error
        self._envelope_check = envelope_check or vocu_envelope_check
        self.hosts = HostPolicy(self.base_url, trusted_hosts=trusted_hosts, host_map=host_map)

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,)

    def redact(self, text: str) -> str:
        return redact_text(text, self.secrets)

    def _headers(self, *, auth: bool, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        # Encodings BodyDecoder can bound; aiohttp would otherwise offer br/zstd when installed.
        headers = {
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate",
            **(extra or {}),
        }
        if auth:
            scheme = self._auth_scheme
            headers["Authorization"] = f"{scheme} {self._api_key}" if scheme else self._api_key
        return headers

    def error_from(
        self, status: int, body: bytes, headers: Mapping[str, str]
    ) -> errors.VoiceServiceError:
        """This service's error for an answer, with the provider named and secrets redacted."""
        return self.scrub(self._error_builder(status, body, headers, self.secrets))

    def scrub(self, exc: errors.VoiceServiceError) -> errors.VoiceServiceError:
        """Name this service on ``exc`` and blank the key out of every network-borne field."""
        exc.provider = self.provider
        return exc.redact(self.secrets)

    def request_id_of(self, headers: Mapping[str, str]) -> str | None:
        """The answer's request id, redacted (a proxy may echo the key into it)."""
        return redact_optional(headers.get(REQUEST_ID_HEADER), self.secrets)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise errors.ServiceConnectionError("the injected HTTP session is closed")
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None if self._owns_session else self._session

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def _client_timeout(self) -> aiohttp.ClientTimeout:
        # Only the connect limit is aiohttp's; first byte, total and rate come from the Budget.
        return aiohttp.ClientTimeout(total=None, sock_connect=self.timeouts.connect, connect=None)

    def budget(self, deadline: Deadline | None = None) -> Budget:
        """The budget a call draws from: its own deadline's, else the enclosing call's, else
        this client's default."""
        if deadline is None:
            active = active_budget()
            if active is not None:
                return active
            deadline = self.default_deadline
        budget = deadline.start()
        budget.provider = self.provider
        return budget

    def within(self, deadline: Deadline | None, what: str) -> BudgetScope:
        """``async with transport.within(deadline, "what"):`` - one public call's deadline."""
        return self.budget(deadline).scope(what)

    async def open(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        auth: bool = True,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        key_param: str | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one request and return the open response once headers arrived (2xx only).

        Non-2xx answers are read, released and raised as our errors. The wait for the headers
        is bounded by the active budget's first-byte limit (and its total). ``key_param`` sends
        the key as that query parameter instead of the header (Vocu's GET simple-generate
        ``token``); such a URL is shown nowhere but redacted.
        """
        url = self.url(path)
        if auth and key_param:
            params = {**(params or {}), key_param: self._api_key}
        shown = redact_url(url).split("?", 1)[0] if auth else redact_url(url)
        what = f"{method} {urlsplit(shown).path}"
        budget = self.budget()
        limit_at, limit = budget.first_byte_limit()
        started = time.monotonic()
        try:
            async with asyncio.timeout_at(limit_at):
                response = await self._send_following_redirects(
                    method,
                    url,
                    params=params,
                    json_body=json_body,
                    data=data,
                    headers=headers,
                    auth=auth,
                    header_auth=auth and not key_param,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            _LOGGER.debug(
                "%s %s failed after %.0f ms: %s",
                method,
                shown,
                (time.monotonic() - started) * 1000,
                type(exc).__name__,
            )
            if isinstance(exc, TimeoutError) and not isinstance(exc, aiohttp.ClientError):
                raise budget.timeout(what, limit) from None
            raise self.scrub(network_error(exc, what)) from None
        request_id = self.request_id_of(response.headers)
        _LOGGER.debug(
            "%s %s -> %s (request id %s) in %.0f ms",
            method,
            shown,
            response.status,
            request_id,
            (time.monotonic() - started) * 1000,
        )
        if response.status >= 300:
            try:
                body = await self.read_body(response, what, limit=MAX_ERROR_BODY_BYTES)
            except errors.VoiceServiceError:
                body = b""
            raise self.error_from(response.status, body, response.headers)
        return response

    async def _send_following_redirects(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: Any,
        data: Any,
        headers: Mapping[str, str] | None,
        auth: bool,
        header_auth: bool,
    ) -> aiohttp.ClientResponse:
        """Send, following redirects ourselves: with the key only to a trusted host (hosts.py).

        A redirect answer generated nothing, so a billed POST is re-sent once to the new place,
        still as a POST with its body (aiohttp would turn a 301/302 into a GET); only 303 means
        "GET it there". ``data`` may be a callable building a fresh body per send.
        """
        for _hop in range(MAX_REDIRECTS + 1):
            target, host_header = self.hosts.route(url)
            response = await self.session().request(
                method,
                target,
                params=params,
                json=json_body,
                data=data() if callable(data) else data,
                headers={**self._headers(auth=header_auth, extra=headers), **host_header},
                timeout=self._client_timeout(),
                allow_redirects=False,
                auto_decompress=False,  # decoded by BodyDecoder, with its limits
            )
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            response.release()
            next_url = urljoin(url, location)
            if auth and not self.hosts.trusts(next_url, coming_from=url):
                # Not a connection failure: retrying would only meet the same redirect.
                raise self.scrub(
                    errors.VoiceServiceError(
                        f"{method} {urlsplit(url).path}: the service redirected to "
                        f"{urlsplit(next_url).netloc}, which is not trusted with the key",
                        status=response.status,
                    )
                )
            _LOGGER.debug(
                "%s %s: %s to %s",
                method,
                urlsplit(url).path,
                response.status,
                redact_url(next_url).split("?", 1)[0],
            )
            if response.status == 303:
                method, json_body, data = "GET", None, None
            url, params = next_url, None  # the Location carries the query already
        raise self.scrub(
            errors.VoiceServiceError(f"{method} {urlsplit(url).path}: too many redirects")
        )

    async def read_body(
        self, response: aiohttp.ClientResponse, what: str, *, limit: int = MAX_JSON_BYTES
    ) -> bytes:
        """Read a whole (small) body within the budget, its minimum rate and ``limit`` bytes."""
        budget = self.budget()
        reader = BodyReader(self, response, budget, what, max_bytes=limit, kind="JSON")
        chunks: list[bytes] = []
        try:
            while chunk := await reader.read():
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            response.release()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        retry: bool | None = None,
        missing_ok_on_retry: bool = False,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        """Send a JSON request and return the decoded top-level object."""
        payload, _ = await self.request_with_id(
            method,
            path,
            params=params,
            json_body=json_body,
            retry=retry,
            missing_ok_on_retry=missing_ok_on_retry,
            data=data,
            headers=headers,
        )
        return payload

    async def request_with_id(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        retry: bool | None = None,
        missing_ok_on_retry: bool = False,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Mapping[str, Any], str | None]:
        """Send a JSON request; return the decoded object and the request id.

        Reads (GET, DELETE) retry 5xx and connection failures with bounded backoff; a DELETE that
        answers 404 after an ambiguous failure is treated as done (the first try probably worked).
        """
        async with self.within(None, f"{method} {path}") as budget:
            return await self._request_with_retries(
                budget,
                method,
                path,
                params=params,
                json_body=json_body,
                retry=retry,
                missing_ok_on_retry=missing_ok_on_retry,
                data=data,
                headers=headers,
            )

    async def _request_with_retries(
        self,
        budget: Budget,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: Any,
        retry: bool | None,
        missing_ok_on_retry: bool,
        data: Any,
        headers: Mapping[str, str] | None,
    ) -> tuple[Mapping[str, Any], str | None]:
        if retry is None:
            retry = method in ("GET", "DELETE")
        attempts = max(1, self.retry.attempts) if retry else 1
        for attempt in range(attempts):
            try:
                # `data` may be a callable building a fresh body per try (a FormData is single-use)
                response = await self.open(
                    method,
                    path,
                    params=params,
                    json_body=json_body,
                    data=data,
                    headers=headers,
                )
                body = await self.read_body(response, f"{method} {path}")
                return self.decode(body, response), self.request_id_of(response.headers)
            except errors.NotFoundError:
                if missing_ok_on_retry and attempt > 0:
                    return {}, None
                raise
            except (errors.ServerError, errors.ServiceConnectionError) as exc:
                if attempt + 1 >= attempts or _out_of_budget(exc):
                    raise
                delay = self.retry.delay(attempt)
                if not budget.allows_wait(delay):
                    raise
                _LOGGER.debug(
                    "%s %s: %s; retry %d in %.2f s",
                    method,
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def decode(self, body: bytes, response: aiohttp.ClientResponse) -> Mapping[str, Any]:
        if not body.strip():
            return {}
        try:
            payload = json.loads(body)
        except RecursionError:
            raise errors.UnexpectedResponseError(
                "unexpected answer from the service: JSON nested too deeply",
                status=response.status,
                request_id=response.headers.get(REQUEST_ID_HEADER),
                provider=self.provider,
            ) from None
        except ValueError:
            raise self.scrub(
                errors.ServerError(
                    "the voice service answered with something that is not JSON",
                    status=response.status,
                    request_id=response.headers.get(REQUEST_ID_HEADER),
                )
            ) from None
        if not isinstance(payload, Mapping):
            return {"data": payload}
        try:
            self._envelope_check(payload, body, response.status, response.headers, self.secrets)
        except errors.VoiceServiceError as exc:
            raise self.scrub(exc) from None
        return payload


def _out_of_budget(exc: errors.VoiceServiceError) -> bool:
    """A spent total or a too-large answer is not retried; a slow first byte or rate may be."""
    if exc.code == "RESPONSE_TOO_LARGE":
        return True
    return isinstance(exc, errors.ServiceTimeoutError) and exc.limit is TimeoutLimit.TOTAL


def data_of(payload: Mapping[str, Any]) -> Any:
    """The ``data`` member of the standard envelope."""
    return payload.get("data")
