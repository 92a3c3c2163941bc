"""What a user is told when something goes wrong: one short sentence and a reaction per kind.

Errors are classified by class (never by message text), so the same kinds work for command replies
(ephemeral) and auto-read (a reaction, plus a rate-limited notice).
"""

from __future__ import annotations

from enum import StrEnum

from vocu_client import errors

from .budget import BudgetExhaustedError


class SpeechRefusedError(Exception):
    """Raised by the bot itself before anything is sent to the voice service."""

    kind: ErrorKind

    def __init__(self, kind: ErrorKind, message: str | None = None) -> None:
        self.kind = kind
        super().__init__(message or MESSAGES[kind])


class ErrorKind(StrEnum):
    NO_CREDITS = "no_credits"
    UNKNOWN_VOICE = "unknown_voice"
    VOICE_NOT_READY = "voice_not_ready"
    TEXT_TOO_LONG = "text_too_long"
    EMPTY_TEXT = "empty_text"
    BUDGET_EXHAUSTED = "budget_exhausted"
    NOT_IN_VOICE = "not_in_voice"
    QUEUE_FULL = "queue_full"
    RATE_LIMITED = "rate_limited"
    SERVICE_AUTH = "service_auth"
    SERVICE_DOWN = "service_down"
    UNEXPECTED_ANSWER = "unexpected_answer"
    NOT_ALLOWED = "not_allowed"
    VOICE_DROPPED = "voice_dropped"
    VOICE_CLOSED = "voice_closed"
    OPTED_OUT = "opted_out"
    COOLDOWN = "cooldown"
    UNKNOWN = "unknown"


MESSAGES: dict[ErrorKind, str] = {
    ErrorKind.NO_CREDITS: "The voice account is out of credits; ask the bot owner to top it up.",
    ErrorKind.UNKNOWN_VOICE: "That voice or style cannot speak; pick one from the list.",
    ErrorKind.VOICE_NOT_READY: "That voice is still being prepared; try again in a minute.",
    ErrorKind.TEXT_TOO_LONG: "That message is too long to read aloud here.",
    ErrorKind.EMPTY_TEXT: "There is nothing to say in that message.",
    ErrorKind.BUDGET_EXHAUSTED: "Today's character budget is used up; it resets at midnight UTC.",
    ErrorKind.NOT_IN_VOICE: "I am not in a voice channel; use /tts join first.",
    ErrorKind.QUEUE_FULL: "The speech queue is full; try again when it has drained.",
    ErrorKind.RATE_LIMITED: "The voice service is busy; try again in a moment.",
    ErrorKind.SERVICE_AUTH: "The bot's voice service key is not accepted; the owner must fix it.",
    ErrorKind.SERVICE_DOWN: "The voice service cannot be reached right now; try again later.",
    ErrorKind.UNEXPECTED_ANSWER: (
        "The voice service sent an answer I do not understand; try again later."
    ),
    ErrorKind.NOT_ALLOWED: "You are not allowed to do that.",
    ErrorKind.VOICE_DROPPED: (
        "The voice connection dropped while a message was being read; that message was skipped "
        "(not replayed) and the rest of the queue goes on."
    ),
    ErrorKind.VOICE_CLOSED: "Discord closed the voice connection; I left the voice channel.",
    ErrorKind.OPTED_OUT: "That member asked for their messages not to be read aloud.",
    ErrorKind.COOLDOWN: "Slow down: wait a moment before the next message.",
    ErrorKind.UNKNOWN: "Something went wrong while speaking; the queue goes on.",
}

REACTIONS: dict[ErrorKind, str] = {
    ErrorKind.NO_CREDITS: "💸",
    ErrorKind.BUDGET_EXHAUSTED: "⏳",
    ErrorKind.TEXT_TOO_LONG: "✂️",
    ErrorKind.NOT_IN_VOICE: "🔇",
    ErrorKind.UNKNOWN_VOICE: "❓",
    ErrorKind.QUEUE_FULL: "🚦",
}
DEFAULT_REACTION = "⚠️"


def classify(error: BaseException) -> ErrorKind:
    match error:
        case SpeechRefusedError():
            return error.kind
        case BudgetExhaustedError():
            return ErrorKind.BUDGET_EXHAUSTED
        case errors.InsufficientCreditsError():
            return ErrorKind.NO_CREDITS
        case errors.NotFoundError():
            return ErrorKind.UNKNOWN_VOICE
        case errors.VoiceNotReadyError():
            return ErrorKind.VOICE_NOT_READY
        case errors.ValidationError() if error.code == "TTS_TEXT_EMPTY":
            return ErrorKind.EMPTY_TEXT
        case errors.ValidationError():
            return ErrorKind.TEXT_TOO_LONG if error.status == 413 else ErrorKind.UNKNOWN
        case errors.RateLimitError():
            return ErrorKind.RATE_LIMITED
        case errors.AuthenticationError() | errors.PermissionDeniedError():
            return ErrorKind.SERVICE_AUTH
        case errors.ServiceConnectionError() | errors.ServerError():
            return ErrorKind.SERVICE_DOWN
        case errors.UnexpectedResponseError():
            return ErrorKind.UNEXPECTED_ANSWER
    return ErrorKind.UNKNOWN


def user_message(error: BaseException) -> str:
    """One short sentence for the user; budget errors say how much is left."""
    if isinstance(error, BudgetExhaustedError | SpeechRefusedError):
        return str(error)
    return MESSAGES[classify(error)]


def reaction(kind: ErrorKind) -> str:
    return REACTIONS.get(kind, DEFAULT_REACTION)
