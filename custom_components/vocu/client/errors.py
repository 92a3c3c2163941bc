"""The exception tree shared by every voice service and every front end.

Each class is keyed on what a caller does about it (re-authenticate, top up, pick another voice,
retry later), not on the service that raised it, so Home Assistant and the bot map classes, never
codes or messages. The service's own ``code``, localised ``message`` and request id are kept on the
instance for logs and support tickets.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Self

from .redact import redact_optional, redact_text


class VoiceServiceError(Exception):
    """Base class: anything the voice service or the way to it went wrong with."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        provider: str = "vocu",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.provider = provider

    def redact(self, secrets: Iterable[str | None]) -> Self:
        """Blank the key out of every field that may hold text from the network; returns self.

        A server or proxy may echo the key into the message, the code or the request id, so the
        transport calls this on every error it builds: no front end has to redact again.
        """
        secrets = tuple(secrets)
        self.message = redact_text(str(self.message), secrets)
        self.args = (self.message, *(redact_text(str(a), secrets) for a in self.args[1:]))
        self.code = redact_optional(self.code, secrets)
        self.request_id = redact_optional(self.request_id, secrets)
        return self

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"[{self.code}]")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class AuthenticationError(VoiceServiceError):
    """The API key is missing, wrong, revoked or not allowed (401 ``AUTH_UNAUTHORIZED``)."""


class PermissionDeniedError(VoiceServiceError):
    """The key works but may not do this (403 ``AUTH_FORBIDDEN``, session tokens, quotas)."""


class InsufficientCreditsError(VoiceServiceError):
    """The account has too few credits (403 ``BILLING_INSUFFICIENT_CREDIT``, Noiz 402)."""

    def __init__(
        self,
        message: str,
        *,
        credits_left: float | None = None,
        credits_needed: float | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.credits_left = credits_left
        self.credits_needed = credits_needed


class PaidOnlyError(PermissionDeniedError):
    """Synchronous generation needs a paid account (403 ``TTS_PAID_ONLY``).

    Async jobs still work for such accounts.
    """


class NotFoundError(VoiceServiceError):
    """The voice, style, job or template does not exist (404 ``*_NOT_FOUND``)."""


class VoiceNotReadyError(VoiceServiceError):
    """The voice exists but cannot speak yet or any more.

    409 ``VOICE_CREATING``, 400 ``VOICE_NOT_TTS_READY`` / ``VOICE_CREATE_FAILED``.
    ``voice_status`` is the voice's last known status when the client knows it (``wait_for_voice``).
    """

    def __init__(self, message: str, *, voice_status: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.voice_status = voice_status


class ValidationError(VoiceServiceError):
    """The request was rejected as malformed: empty or too long text, bad option values.

    Other 400s, 413 and 422.
    """


class RateLimitError(VoiceServiceError):
    """Too many requests or too many at once (429).

    ``retry_after`` is in seconds when the service said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(VoiceServiceError):
    """The service failed on its side (5xx)."""


class ServiceConnectionError(VoiceServiceError):
    """The service could not be reached, or the connection broke before an answer arrived."""


class TimeoutLimit(StrEnum):
    """Which limit of a call's deadline (``deadline.Deadline``) was hit."""

    CONNECT = "connect"  # the TCP/TLS connection
    FIRST_BYTE = "first_byte"  # a request's wait for its first body bytes
    TOTAL = "total"  # the whole call, retries included
    MIN_RATE = "min_rate"  # a body slower than the minimum transfer rate
    IDLE = "idle"  # a pause between two chunks longer than ``Timeouts.idle``


class ServiceTimeoutError(ServiceConnectionError):
    """A limit of the call's deadline was hit; ``limit`` (a :class:`TimeoutLimit`) says which."""

    def __init__(
        self, message: str, *, limit: TimeoutLimit = TimeoutLimit.TOTAL, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.limit = limit


class StreamInterruptedError(ServiceConnectionError):
    """An audio stream ended early after some bytes were delivered.

    ``bytes_received`` says how many; a billed synthesis is never silently retried after that.
    """

    def __init__(self, message: str, *, bytes_received: int = 0, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.bytes_received = bytes_received


class InvalidAudioError(VoiceServiceError):
    """The service answered 200 but the body is not the audio it claimed to be."""


class UnsupportedOperationError(VoiceServiceError):
    """The chosen service does not offer this (``noiz has no account endpoint``).

    Raised by a provider for a capability it does not declare, before anything is sent.
    """


class UnexpectedResponseError(VoiceServiceError):
    """The service answered, but not in a shape we understand (``data`` a list where an object
    belongs, a number that is not finite, nesting too deep to decode).

    Raised by the one parse boundary (``models.parse_answer``) with the request id, so a changed
    or hostile answer is one clean error instead of a traceback. Not retried: asking again gets
    the same answer.
    """
