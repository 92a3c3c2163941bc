"""The exception tree shared by every voice service and every front end.

Each class is keyed on what a caller does about it (re-authenticate, top up, pick another voice,
retry later), not on the service that raised it, so Home Assistant and the bot map classes, never
codes or messages. The service's own ``code``, localised ``message`` and request id are kept on the
instance for logs and support tickets.
"""

from __future__ import annotations


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


class ServiceTimeoutError(ServiceConnectionError):
    """No answer, or no next chunk, within the configured time."""


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
