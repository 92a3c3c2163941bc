"""Our options → Vocu's request fields, with the checks the client makes before spending money."""

from __future__ import annotations

import base64
import mimetypes
import re
from typing import Any, Final
from urllib.parse import urlencode

from .errors import ValidationError
from .models import LANGUAGES, PRESETS, SynthesisOptions

MIN_SPEED = 0.5
MAX_SPEED = 2.0
# The generation seed: -1 asks for a random one; the options form offers the same range.
MIN_SEED = -1
MAX_SEED = 2**31 - 1
# Preset keys as listed by GET /api/tts/presets ("v2_balance", "v3_creative_pro") are accepted
# alongside the documented short names; clients send them in practice (reference §1.6.1).
_VERSIONED_PRESET = re.compile(r"^v\d+_(" + "|".join(PRESETS) + r")(_pro)?$")


def _invalid(message: str, code: str = "VALIDATION_INVALID_VALUE") -> ValidationError:
    return ValidationError(message, code=code, status=None)


def validate_voice_id(voice_id: object) -> None:
    """A voice id must be given: an empty one would be refused only after a billed request."""
    if not isinstance(voice_id, str) or not voice_id.strip():
        raise _invalid("the voice id is empty", "VALIDATION_MISSING_FIELD")


def validate(text: str, options: SynthesisOptions, max_chars: int | None, voice_id: object) -> None:
    """Reject what the service would reject (or silently change) before sending anything."""
    validate_voice_id(voice_id)
    if not text or not text.strip():
        raise _invalid("the text to speak is empty", "TTS_TEXT_EMPTY")
    if max_chars is not None and len(text) > max_chars:
        raise _invalid(
            f"the text has {len(text)} characters, more than {max_chars} per request;"
            " use iter_speech() for long text",
            "VALIDATION_TOO_LONG",
        )
    if options.language is not None and options.language not in LANGUAGES:
        # The service would silently fall back to "auto"; say so instead.
        raise _invalid(
            f"unsupported language {options.language!r}; use one of {', '.join(LANGUAGES)}",
            "UNSUPPORTED_LANGUAGE",
        )
    if options.preset is not None and not (
        options.preset in PRESETS or _VERSIONED_PRESET.match(options.preset)
    ):
        raise _invalid(f"unknown preset {options.preset!r}; use one of {', '.join(PRESETS)}")
    if options.speed is not None and not MIN_SPEED <= options.speed <= MAX_SPEED:
        raise _invalid(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, not {options.speed}")
    if options.emotion is not None and (
        len(options.emotion) != 5
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in options.emotion)
        or not all(0 <= v <= 10 for v in options.emotion)
    ):
        raise _invalid("emotion must be five whole numbers from 0 to 10")
    if not options.style_id:
        raise _invalid("style_id must not be empty")
    seed = options.seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not MIN_SEED <= seed <= MAX_SEED
    ):
        raise _invalid(f"seed must be a whole number from {MIN_SEED} to {MAX_SEED}, not {seed}")


# Which way Vocu's `speechRate` runs. The API reference calls it a duration multiplier (larger =
# slower); Vocu's user guide says larger = faster. We keep the API reference's reading; if the live
# service proves the guide right, flip this one constant (README "Speed" and the HA option's
# description name it). Our own `speed` is always larger = faster.
SPEECH_RATE_IS_DURATION: Final = True


def speech_rate(speed: float) -> float:
    """Our speed (larger = faster) as Vocu's ``speechRate``, per ``SPEECH_RATE_IS_DURATION``."""
    return round(1.0 / speed, 4) if SPEECH_RATE_IS_DURATION else round(speed, 4)


def needs_post_form(options: SynthesisOptions) -> bool:
    """The GET ``.mp3`` form has no language, vivid or emotion parameters."""
    return options.language is not None or options.vivid is not None or options.emotion is not None


def generation_fields(text: str, voice_id: str, options: SynthesisOptions) -> dict[str, Any]:
    """The common generation parameters (reference §1.6.1) as JSON values; unset ones omitted."""
    fields: dict[str, Any] = {"voiceId": voice_id, "text": text, "promptId": options.style_id}
    optional: dict[str, Any] = {
        "preset": options.preset,
        "language": options.language,
        "speechRate": speech_rate(options.speed) if options.speed is not None else None,
        "flash": options.flash,
        "seed": options.seed,
        "vivid": options.vivid,
        "emo_switch": list(options.emotion) if options.emotion is not None else None,
        "break_clone": options.break_clone,
    }
    fields.update({key: value for key, value in optional.items() if value is not None})
    return fields


# Servers refuse request lines past about 8 KiB (aiohttp: 8190 bytes, answered with a bare 400), and
# a CJK character takes nine bytes once percent-encoded: a query longer than this goes as a POST.
MAX_QUERY_BYTES = 2048


def fits_query(params: dict[str, str]) -> bool:
    """Whether the GET ``.mp3`` form's query stays well within common request-line limits."""
    return len(urlencode(params)) <= MAX_QUERY_BYTES


def query_fields(fields: dict[str, Any]) -> dict[str, str]:
    """JSON fields as GET query strings (booleans as ``true``/``false``)."""
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in fields.items()
    }


_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"ID3", "audio/mpeg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"OggS", "audio/ogg"),
    (0, b"\x1aE\xdf\xa3", "audio/webm"),
    (4, b"ftyp", "audio/mp4"),
    (0, b"\x89PNG", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF8", "image/gif"),
)


def detect_mime(data: bytes, filename: str | None = None, default: str = "audio/wav") -> str:
    """Sniff the type from the bytes; fall back to the file name, then ``default``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for offset, magic, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        return "audio/mpeg"
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or default


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
