"""Item 1 of the hardening issue: an echoed key is blanked from every field of every error.

A server or proxy may echo the key whole, cut, URL-encoded or after ``Bearer`` into the
message, the code or the request id (header or body). The error builders of every service
redact all of them, so no front end has to.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from vocu_client import errors
from vocu_client._http import REQUEST_ID_HEADER, RetryPolicy, Timeouts, Transport, build_error
from vocu_client.providers.minimax import minimax_error
from vocu_client.providers.minimax_official import minimax_official_error
from vocu_client.providers.noiz import noiz_error
from vocu_client.redact import REDACTED, redact_text

KEY = "sk-canary-0123456789abcdef0123456789abcdef"


def _echoes(key: str) -> list[str]:
    return [
        key,
        f"Bearer {key}",
        f"rid-{key}",
        key[5:25],  # a 20-character piece
        key[-8:],  # the shortest piece that counts
        quote(key, safe=""),
        f"Bearer whatever-{key[:3]}",  # any bearer token, even one that is not our key
    ]


def _fields(error: errors.VoiceServiceError) -> str:
    return "\n".join(
        [str(error), repr(error), *map(str, error.args), str(error.code), str(error.request_id)]
    )


@pytest.mark.parametrize("echo", _echoes(KEY))
@pytest.mark.parametrize(
    "builder", [build_error, noiz_error, minimax_error, minimax_official_error]
)
def test_every_error_field_is_redacted(builder, echo: str) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(
        {"status": 400, "code": echo, "message": f"bad {echo}", "error": echo, "requestId": echo,
         "base_resp": {"status_code": 2013, "status_msg": f"bad {echo}"}, "trace_id": echo}
    ).encode()  # fmt: skip
    error = builder(400, body, {REQUEST_ID_HEADER: echo}, (KEY,))
    transport = Transport(
        KEY,
        "http://127.0.0.1:9",
        session=None,
        timeouts=Timeouts(),
        retry=RetryPolicy(),
        user_agent=None,
        error_builder=builder,
    )
    scrubbed = transport.error_from(400, body, {REQUEST_ID_HEADER: echo})
    for built in (error, scrubbed):
        text = _fields(built)
        assert KEY[-8:] not in text and "whatever" not in text, text
        assert quote(KEY, safe="") not in text
    assert REDACTED in _fields(scrubbed)


def test_request_id_from_the_body_is_redacted() -> None:
    body = json.dumps({"status": 500, "code": "X", "message": "m", "requestId": KEY}).encode()
    error = build_error(500, body, {}, (KEY,))
    assert error.request_id == REDACTED


def test_redaction_keeps_ordinary_text() -> None:
    text = "voice Alice not found (request id 7f0c-11, Bearer-less)"
    assert redact_text(text, (KEY,)) == text
    # a piece of 8+ characters of the key is blanked, shorter coincidences are not
    assert redact_text("id sk-cana", (KEY,)) == "id sk-cana"
    assert redact_text("id sk-canary-0", (KEY,)) == f"id {REDACTED}"
