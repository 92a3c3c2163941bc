"""Checks the client makes before spending money, and the wire forms of our options.

Each refused option is one the service would refuse only after a billed request, or silently
change (an unknown language falls back to "auto"); each must be a ValidationError with its code.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from vocu_client import errors
from vocu_client.models import SynthesisOptions
from vocu_client.redact import REDACTED, redact_optional, redact_text, redact_url
from vocu_client.wire import (
    MAX_QUERY_BYTES,
    detect_mime,
    fits_query,
    generation_fields,
    query_fields,
    validate,
)

OK = SynthesisOptions()


@pytest.mark.parametrize(
    ("text", "options", "max_chars", "voice_id", "code"),
    [
        ("Hi.", OK, None, "", "VALIDATION_MISSING_FIELD"),
        ("Hi.", OK, None, None, "VALIDATION_MISSING_FIELD"),
        (" \n", OK, None, "v", "TTS_TEXT_EMPTY"),
        ("Hello there.", OK, 5, "v", "VALIDATION_TOO_LONG"),
        ("Hi.", replace(OK, language="klingon"), None, "v", "UNSUPPORTED_LANGUAGE"),
        ("Hi.", replace(OK, preset="v2_chaotic"), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, speed=2.5), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, emotion=(1, 2, 3, 4)), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, emotion=(1, 2, 3, 4, 11)), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, emotion=(True, 2, 3, 4, 5)), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, style_id=""), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, seed=True), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, seed=2**31), None, "v", "VALIDATION_INVALID_VALUE"),
        ("Hi.", replace(OK, seed=1.5), None, "v", "VALIDATION_INVALID_VALUE"),
    ],
)
def test_refused_before_sending(
    text: str, options: SynthesisOptions, max_chars: int | None, voice_id: object, code: str
) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        validate(text, options, max_chars, voice_id)
    assert caught.value.code == code


def test_accepted_options_and_their_wire_fields() -> None:
    options = SynthesisOptions(
        preset="v3_creative_pro", language="en-us", speed=2.0, flash=False, seed=-1,
        vivid=True, emotion=(0, 10, 5, 0, 0),
    )  # fmt: skip
    validate("Hi.", options, 3, "voice")
    fields = generation_fields("Hi.", "voice", options)
    assert fields["speechRate"] == 0.5  # twice as fast = half the duration
    assert fields["emo_switch"] == [0, 10, 5, 0, 0]
    assert "break_clone" not in fields  # unset options are not sent
    query = query_fields(fields)
    assert query["flash"] == "false" and query["vivid"] == "true" and query["seed"] == "-1"
    assert fits_query(query)
    assert not fits_query({"text": "字" * (MAX_QUERY_BYTES // 9 + 1)})


@pytest.mark.parametrize(
    ("data", "filename", "mime"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None, "audio/wav"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "image/webp"),
        (b"ID3\x04\x00", None, "audio/mpeg"),
        (b"\xff\xfb\x90\x64", None, "audio/mpeg"),
        (b"fLaC\x00", None, "audio/flac"),
        (b"OggS\x00", None, "audio/ogg"),
        (b"\x1aE\xdf\xa3\x00", None, "audio/webm"),
        (b"\x00\x00\x00\x20ftypM4A ", None, "audio/mp4"),
        (b"\x89PNG\r\n", None, "image/png"),
        (b"\xff\xd8\xff\xe0", None, "image/jpeg"),
        (b"GIF89a", None, "image/gif"),
        (b"unknown bytes", "sample.mp3", "audio/mpeg"),  # the name decides when bytes cannot
        (b"unknown bytes", None, "audio/wav"),
    ],
)
def test_detect_mime_sniffs_bytes_before_the_name(
    data: bytes, filename: str | None, mime: str
) -> None:
    assert detect_mime(data, filename) == mime
    if filename is None and data != b"unknown bytes":
        assert detect_mime(data, "misnamed.png") == mime  # the bytes win over the name


def test_redaction_of_short_keys_odd_urls_and_absent_fields() -> None:
    assert redact_text("key=abc12 in the echo", ["abc12"]) == f"key={REDACTED} in the echo"
    assert redact_text("abc stays", ["abc"]) == "abc stays"  # too short to be a key
    broken = "http://[::1/stream.mp3?auth=signed-secret"  # not a parsable URL
    assert "signed-secret" not in redact_url(broken)
    assert redact_url("https://example.com/a.mp3") == "https://example.com/a.mp3"
    assert redact_optional(None, ["sk-anything"]) is None
    assert redact_optional(1234567890, ["1234567890"]) == REDACTED
