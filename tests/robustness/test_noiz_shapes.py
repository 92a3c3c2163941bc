"""Noiz's answers in the shapes seen in the wild, and its checks made before an upload.

Pure parsing of recorded shapes (no network), plus the envelope codes Noiz puts in 200 answers.
"""

from __future__ import annotations

import json

import pytest
from vocu_client import errors
from vocu_client.providers import create_provider
from vocu_client.providers.noiz import noiz_envelope_check, noiz_error, parse_voice

KEY = "noiz-shape-secret-key"


@pytest.mark.parametrize(
    ("data", "preview"),
    [
        (
            {"voice_id": "a", "sample": {"url": "https://cdn.example/a.wav"}},
            "https://cdn.example/a.wav",
        ),
        ({"voice_id": "a", "sample": "https://cdn.example/a.wav"}, "https://cdn.example/a.wav"),
        (
            {"voice_id": "a", "sample": {"path": "x"}, "audio_url": "http://x/b.mp3"},
            "http://x/b.mp3",
        ),
        ({"voice_id": "a", "sample": "/relative/not-playable.wav"}, None),
        ({"voice_id": "a"}, None),
    ],
)
def test_preview_clip_is_found_in_any_known_shape_and_only_if_playable(
    data: dict, preview: str | None
) -> None:
    assert parse_voice(data).preview_url == preview


@pytest.mark.parametrize(
    ("data", "ready", "status"),
    [
        ({"voice_id": "a", "status": "training"}, False, "training"),
        ({"voice_id": "a", "status": "Ready"}, True, "ready"),
        ({"voice_id": "a"}, True, "ready"),  # no status: a listed voice is usable
        ({"voice_id": "a", "delete_time": "2026-01-01"}, False, "deleted"),
    ],
)
def test_readiness_and_soft_deletion(data: dict, ready: bool, status: str) -> None:
    voice = parse_voice(data)
    assert (voice.ready, voice.status) == (ready, status)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"code": 402, "message": "Insufficient credits"}, errors.InsufficientCreditsError),
        ({"code": "401", "message": "bad key"}, errors.AuthenticationError),
        ({"code": " 404 ", "message": "no such voice"}, errors.NotFoundError),
    ],
)
def test_http_200_with_an_error_code_is_that_error(payload: dict, kind: type) -> None:
    body = json.dumps(payload).encode()
    with pytest.raises(kind):
        noiz_envelope_check(payload, body, 200, {}, (KEY,))


@pytest.mark.parametrize("payload", [{"code": 0}, {"code": True}, {"code": "ok"}, {}])
def test_success_codes_and_odd_codes_are_not_errors(payload: dict) -> None:
    noiz_envelope_check(payload, json.dumps(payload).encode(), 200, {}, ())


def test_error_code_in_the_body_refines_a_generic_400() -> None:
    body = json.dumps({"code": 402, "message": f"no credit for {KEY}"}).encode()
    error = noiz_error(400, body, {}, (KEY,))
    assert isinstance(error, errors.InsufficientCreditsError)
    assert KEY not in str(error)
    # A specific HTTP status is kept whatever the body says.
    assert isinstance(noiz_error(404, body, {}, ()), errors.NotFoundError)


@pytest.mark.parametrize(
    ("sample", "filename"),
    [(b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.png"), (b"OggS" + bytes(64), "voice.ogg")],
)
async def test_clone_refuses_formats_noiz_cannot_take_before_uploading(
    sample: bytes, filename: str
) -> None:
    # Nothing listens on port 9: a request would fail as a connection error, not a validation.
    async with create_provider("noiz", KEY, base_url="http://127.0.0.1:9") as noiz:
        with pytest.raises(errors.ValidationError, match="WAV, MP3 or M4A"):
            await noiz.clone_voice("Mine", sample, filename=filename)
