"""Typed, immutable views of the service's JSON, parsed here and nowhere else.

Every ``from_api`` takes the decoded JSON object exactly as the service sent it and tolerates the
documented variants (old and new field names); front ends never read raw dicts.

:func:`parse_answer` is the parse boundary: every client and provider parses an answer through it,
so any shape we do not understand (``data`` a list where an object belongs, ``metadata: "oops"``,
a quota of ``1e999``) becomes one :class:`~.errors.UnexpectedResponseError` carrying the request
id, never an ``AttributeError`` or ``OverflowError`` traceback.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import UnexpectedResponseError

DEFAULT_STYLE_ID = "default"

# Only these statuses can be used for generation (reference §1.4).
USABLE_VOICE_STATUSES = frozenset({"pending", "lora-success", "lora-awaiting-auto-reupload"})

# Documented `language` values for generation (reference §1.6.1); `auto` lets the service detect.
LANGUAGES: tuple[str, ...] = ("auto", "zh", "en-us", "ja", "ko", "fr-fr", "pt", "de", "es", "yue")

PRESETS: tuple[str, ...] = ("creative", "balance", "stable")

# Order of the five `emo_switch` weights.
EMOTIONS: tuple[str, ...] = ("anger", "happiness", "neutral", "sadness", "contextual")

# A translation resource key ("tts.preset.balance.name"): dotted words, no spaces.
_RESOURCE_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")


class ShapeError(TypeError):
    """A value in an answer is not of the shape its field needs (caught by the boundary)."""


# What a parser raises on a shape it does not expect; the boundary turns each into one error.
_SHAPE_ERRORS = (
    AttributeError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    OverflowError,
    RecursionError,
)


T = TypeVar("T")  # not PEP 695 brackets: the package supports Python 3.11


def parse_answer(
    parse: Callable[[Mapping[str, Any]], T],
    payload: Mapping[str, Any],
    *,
    what: str,
    request_id: str | None = None,
    provider: str = "vocu",
) -> T:
    """Run ``parse`` on a decoded answer; any unexpected shape is an UnexpectedResponseError.

    The message names the call and the Python error's class only: values from the network (which
    may echo a key) never reach it.
    """
    try:
        return parse(payload)
    except _SHAPE_ERRORS as exc:
        raise UnexpectedResponseError(
            f"unexpected answer from the service to {what} ({type(exc).__name__})",
            request_id=request_id,
            provider=provider,
        ) from None


def object_of(value: Any) -> Mapping[str, Any]:
    """A JSON object where one is expected; absent (None) reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ShapeError(f"expected an object, got {type(value).__name__}")
    return value


def objects_of(value: Any) -> list[Mapping[str, Any]]:
    """A JSON array of objects where one is expected; absent (None) reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"expected an array, got {type(value).__name__}")
    return [object_of(item) if item is not None else {} for item in value]


def data_object(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The envelope's ``data`` as an object."""
    return object_of(payload.get("data"))


def data_objects(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The envelope's ``data`` as an array of objects."""
    return objects_of(payload.get("data"))


def text_of(value: Any) -> str | None:
    """An optional string field: a string, a number written out, or None; never a container."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(f"expected text, got {type(value).__name__}")
    return str(value)


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):  # 1e999 decodes to inf, NaN to nan: neither is an amount
        raise ShapeError("a number in the answer is not finite")
    return number


def _int(value: Any, default: int = 0) -> int:
    number = _float(value)
    return default if number is None else int(number)


@dataclass(frozen=True, slots=True)
class Quota:
    """Concurrency and training quota of an account."""

    sync_base_concurrent: int = 1
    sync_paid_concurrent: int = 0
    async_base_concurrent: int = 0
    async_hp_concurrent: int = 0
    lora: int = 0

    @property
    def sync_concurrency(self) -> int:
        """How many synchronous generations may run at once (never less than one)."""
        return max(1, self.sync_base_concurrent + self.sync_paid_concurrent)

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> Quota:
        data = object_of(data)
        return cls(
            sync_base_concurrent=_int(data.get("syncBaseConcurrent"), 1),
            sync_paid_concurrent=_int(data.get("syncPaidConcurrent")),
            async_base_concurrent=_int(data.get("asyncBaseConcurrent")),
            async_hp_concurrent=_int(data.get("asyncHPConcurrent")),
            lora=_int(data.get("lora")),
        )


@dataclass(frozen=True, slots=True)
class Account:
    """`GET /api/account/info` (answers under `user`, not `data`)."""

    user_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    is_paid: bool | None = None
    credit: float = 0.0
    bonus_credit: float = 0.0
    quota: Quota = field(default_factory=Quota)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def credits(self) -> float:
        """Credits available: paid plus bonus."""
        return self.credit + self.bonus_credit

    @classmethod
    def from_api(cls, user: Mapping[str, Any]) -> Account:
        user = object_of(user)
        credit = _float(user.get("credit"))
        bonus = _float(user.get("bonusCredit"))
        if credit is None and bonus is None:
            # Older schema: only `credits` (now a deprecated alias of bonusCredit) is present.
            bonus = _float(user.get("credits"))
        is_paid = user.get("isPaid")
        return cls(
            user_id=str(user.get("id", "")),
            name=str(user.get("name") or ""),
            email=text_of(user.get("email")),
            phone=text_of(user.get("phone")),
            role=text_of(user.get("role")),
            is_paid=bool(is_paid) if is_paid is not None else None,
            credit=credit or 0.0,
            bonus_credit=bonus or 0.0,
            quota=Quota.from_api(user.get("quota")),
            raw=dict(user),
        )


@dataclass(frozen=True, slots=True)
class Style:
    """One style ("prompt") of a voice; the default style's id is literally ``default``."""

    id: str
    name: str
    description: str | None = None
    language: str | None = None
    preview_url: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Style:
        data = object_of(data)
        return cls(
            id=str(data.get("id", DEFAULT_STYLE_ID)),
            name=str(data.get("name") or data.get("id") or DEFAULT_STYLE_ID),
            description=text_of(data.get("description")),
            language=text_of(data.get("language")),
            preview_url=text_of(
                data.get("playBackAudio") or data.get("promptOriginAudioStorageUrl")
            ),
        )


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice character: own clones (uuid) and purchased market voices (``market:<uuid>``)."""

    id: str
    name: str
    status: str
    description: str | None = None
    avatar: str | None = None
    language: str | None = None
    source: str | None = None  # "upload" | "market" | ...
    version: str | None = None
    styles: tuple[Style, ...] = ()
    provider: str = "vocu"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    preview_url: str | None = None  # a sample of the voice, where the service offers one
    # Set by providers whose statuses are not Vocu's (Noiz, MiniMax); None = judge by `status`.
    ready: bool | None = None
    builtin: bool = False  # the service's own voice (Noiz built-in, MiniMax system), not a clone

    @property
    def usable(self) -> bool:
        if self.ready is not None:
            return self.ready
        return self.status in USABLE_VOICE_STATUSES

    @property
    def is_market(self) -> bool:
        return self.id.startswith("market:") or self.source == "market"

    def style(self, style_id: str) -> Style | None:
        return next((style for style in self.styles if style.id == style_id), None)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Voice:
        data = object_of(data)
        metadata = object_of(data.get("metadata") or None)
        prompts = [p for p in objects_of(metadata.get("prompts") or None) if not p.get("deleted")]
        styles = sorted(
            (Style.from_api(p) for p in prompts),
            key=lambda style: style.id != DEFAULT_STYLE_ID,  # default first, others in API order
        )
        return cls(
            id=str(data.get("id") or data.get("idForGenerate") or ""),
            name=str(data.get("name") or ""),
            status=str(data.get("status") or "unknown"),
            description=text_of(metadata.get("description") or data.get("description")),
            avatar=text_of(metadata.get("avatar") or data.get("avatar")),
            language=next((s.language for s in styles if s.language), None),
            source=text_of(data.get("from")),
            version=text_of(data.get("version")),
            styles=tuple(styles),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Preset:
    """`GET /api/tts/presets` entry."""

    key: str
    name: str
    description: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Preset:
        data = object_of(data)

        def text(value: Any) -> str | None:
            if isinstance(value, Mapping):  # i18n maps, e.g. {"en": "...", "zh": "..."}
                value = value.get("en") or next(iter(value.values()), None)
            if isinstance(value, str) and _RESOURCE_KEY.fullmatch(value):
                return None  # the export's shape: a key the app translates, not text to show
            return None if value is None else str(value)

        return cls(
            key=str(data.get("key", "")),
            name=text(data.get("i18n_name")) or str(data.get("key", "")),
            description=text(data.get("i18n_description")),
        )


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What a synchronous generation reports.

    Parsed from JSON ``data`` or from the ``X-Reecho-Response-Data`` header of a direct stream.
    """

    id: str | None = None
    audio_url: str | None = None
    stream_url: str | None = None
    credit_used: float | None = None
    request_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def playable_url(self) -> str | None:
        """The signed, key-free URL an external player should fetch (stream preferred)."""
        return self.stream_url or self.audio_url

    @classmethod
    def from_api(cls, data: Mapping[str, Any], request_id: str | None = None) -> GenerationResult:
        data = object_of(data)
        return cls(
            id=text_of(data.get("id")),
            audio_url=text_of(data.get("audio")),
            stream_url=text_of(data.get("streamUrl")),
            credit_used=_float(data.get("credit_used", data.get("billing"))),
            request_id=request_id,
            raw=dict(data),
        )

    @classmethod
    def from_header(
        cls, header: str | None, audio_id: str | None = None, request_id: str | None = None
    ) -> GenerationResult:
        # The header is optional metadata beside audio that already arrived: an odd one is
        # ignored rather than failing the stream.
        try:
            data = json.loads(header) if header else {}
            result = cls.from_api(data, request_id)
        except _SHAPE_ERRORS:
            result = cls(request_id=request_id)
        if audio_id and not result.id:
            result = cls(
                id=audio_id,
                audio_url=result.audio_url,
                stream_url=result.stream_url,
                credit_used=result.credit_used,
                request_id=request_id,
                raw={**result.raw, "id": audio_id},
            )
        return result


@dataclass(frozen=True, slots=True)
class JobSegment:
    voice_id: str | None
    text: str | None
    audio_url: str | None


@dataclass(frozen=True, slots=True)
class Job:
    """An asynchronous generation task: pending → processing → generated | failed."""

    id: str
    status: str
    audio_url: str | None = None
    stream_url: str | None = None
    characters: int | None = None
    segments: tuple[JobSegment, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self.status in ("generated", "failed")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Job:
        data = object_of(data)
        metadata = object_of(data.get("metadata") or None)
        segments = tuple(
            JobSegment(
                voice_id=text_of(item.get("voiceId")),
                text=text_of(item.get("text")),
                audio_url=text_of(item.get("audio")),
            )
            for item in objects_of(metadata.get("contents") or None)
        )
        audio = text_of(metadata.get("audio")) or next(
            (s.audio_url for s in segments if s.audio_url), None
        )
        characters = metadata.get("characters")
        return cls(
            id=str(data.get("id", "")),
            status=str(data.get("status") or "unknown"),
            audio_url=audio,
            # `?stream=1` may swap `audio` for the stream URL instead: see VocuClient.get_job.
            stream_url=text_of(metadata.get("streamUrl") or data.get("streamUrl")),
            characters=_int(characters) if characters is not None else None,
            segments=segments,
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    description: str | None = None
    contents: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Template:
        data = object_of(data)
        # The export keeps `description` (and possibly `contents`) under `metadata`; older
        # answers at the top level: read both.
        raw_metadata = data.get("metadata")
        metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
        description = metadata.get("description", data.get("description"))
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name") or ""),
            description=description if isinstance(description, str) else None,
            contents=tuple(objects_of(data.get("contents") or metadata.get("contents") or None)),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class TurboChannel:
    """`POST /api/tts/turbo/channel`: a WebSocket URL valid for ``cancel_after`` seconds."""

    id: str
    ws_url: str
    cancel_after: float

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TurboChannel:
        data = object_of(data)
        return cls(
            id=str(data.get("turboChannelId", "")),
            ws_url=str(data.get("wsUrl", "")),
            cancel_after=_float(data.get("cancelAfter")) or 60.0,
        )


@dataclass(frozen=True, slots=True)
class SynthesisOptions:
    """Per-call generation options, in our vocabulary; the client maps them to the wire.

    ``speed`` is larger = faster (1.0 normal, 0.5–2.0) and is sent as Vocu's ``speechRate``, which
    is a duration multiplier, i.e. its reciprocal. ``None`` means "leave the service default".
    """

    style_id: str = DEFAULT_STYLE_ID
    preset: str | None = None
    language: str | None = None
    speed: float | None = None
    flash: bool | None = None
    seed: int | None = None
    vivid: bool | None = None
    emotion: tuple[int, int, int, int, int] | None = None
    break_clone: bool | None = None
