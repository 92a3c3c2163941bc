"""Error answers and network failures map to the documented exception tree.

The mapping decides what a user is told (credits, rate limit with its wait, not found, a voice
still training) and whether the client retries; a loopback server plays the 200-with-error-body
answers Vocu is known to send.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from vocu_client import Timeouts, VocuClient, errors
from vocu_client._http import build_error, network_error
from vocu_client.errors import TimeoutLimit

KEY = "sk-error-mapping-secret"


def _body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (409, _body(code="VOICE_CREATING", message="training"), {}, errors.VoiceNotReadyError),
        (409, _body(message="conflict"), {}, errors.ValidationError),  # no code: not a voice
        (402, _body(code="BILLING_INSUFFICIENT_CREDIT"), {}, errors.InsufficientCreditsError),
        (403, _body(code="TTS_PAID_ONLY"), {}, errors.PaidOnlyError),
        (403, _body(message="余额不足"), {}, errors.InsufficientCreditsError),  # credits, no code
        (403, _body(message="forbidden"), {}, errors.PermissionDeniedError),
        (404, b"", {}, errors.NotFoundError),
        (422, _body(error={"message": "bad field", "code": "X"}), {}, errors.ValidationError),
        (502, b"<html>Bad Gateway</html>", {}, errors.ServerError),
        (200, b"[" * 100_000, {}, errors.VoiceServiceError),  # too deep to decode: still typed
        (418, _body(message="teapot"), {}, errors.VoiceServiceError),
    ],
)
def test_error_answers_map_to_their_type(
    status: int, body: bytes, headers: dict[str, str], kind: type[errors.VoiceServiceError]
) -> None:
    error = build_error(status, body, headers)
    assert type(error) is kind
    assert error.status == status
    assert error.message  # never empty: "HTTP 502 from the voice service" at worst


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("7", 7.0), ("-3", 0.0), ("Wed, 21 Oct 2026 07:28:00 GMT", None), (None, None)],
)
def test_rate_limit_carries_the_wait_when_it_is_a_number(
    retry_after: str | None, expected: float | None
) -> None:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    error = build_error(429, _body(code="RATE_LIMIT_EXCEEDED"), headers)
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after == expected


def test_error_fields_echoing_the_key_are_redacted() -> None:
    body = _body(code=f"E-{KEY}", message=f"bad key {KEY}", requestId=f"rid-{KEY}")
    error = build_error(401, body, {}, (KEY,))
    assert isinstance(error, errors.AuthenticationError)
    assert KEY not in f"{error} {error.code} {error.request_id} {error!r}"


@pytest.mark.parametrize(
    ("failure", "kind", "limit"),
    [
        (aiohttp.ConnectionTimeoutError(), errors.ServiceTimeoutError, TimeoutLimit.CONNECT),
        (TimeoutError(), errors.ServiceTimeoutError, None),
        (aiohttp.ClientPayloadError("cut"), errors.StreamInterruptedError, None),
        (aiohttp.ServerDisconnectedError(), errors.ServiceConnectionError, None),
    ],
)
def test_network_failures_map_without_the_url(
    failure: BaseException, kind: type[errors.ServiceConnectionError], limit: Any
) -> None:
    error = network_error(failure, "GET /api/voice")
    assert type(error) is kind
    if limit is not None:
        assert error.limit is limit
    assert "http" not in str(error)


def test_a_blank_key_is_refused_before_any_request() -> None:
    with pytest.raises(errors.AuthenticationError):
        VocuClient("   ")


async def test_a_closed_injected_session_is_a_connection_error_not_a_new_session() -> None:
    session = aiohttp.ClientSession()
    await session.close()
    client = VocuClient(KEY, base_url="http://127.0.0.1:9", session=session)
    with pytest.raises(errors.ServiceConnectionError, match="injected HTTP session is closed"):
        await client.get_account()
    await client.close()


@pytest.fixture
async def service() -> AsyncIterator[str]:
    async def account(request: web.Request) -> web.Response:
        # Vocu's known habit: HTTP 200 whose body says 4xx.
        return web.json_response(
            {"status": 402, "code": "BILLING_INSUFFICIENT_CREDIT", "message": f"no credit {KEY}"}
        )

    app = web.Application()
    app.router.add_get("/api/account/info", account)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_http_200_with_an_error_status_in_the_body_is_that_error(service: str) -> None:
    async with VocuClient(KEY, base_url=service, timeouts=Timeouts(connect=5)) as client:
        with pytest.raises(errors.InsufficientCreditsError) as caught:
            await client.get_account()
    assert KEY not in str(caught.value)
