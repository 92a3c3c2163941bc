"""Envelopes, error bodies and authentication, shared by every route module."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .state import Account, EmulatorState

EMULATOR_KEY: web.AppKey[Any] = web.AppKey("vocu_emulator", object)


class ApiError(Exception):
    """Raised by a route; the middleware turns it into `{status, code, message, requestId}`."""

    def __init__(
        self, status: int, code: str | None, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def error_response(
    request: web.Request,
    status: int,
    code: str | None,
    message: str,
    retry_after: float | None = None,
) -> web.Response:
    """The documented error body; ``code=None`` leaves the field out (older answers have none)."""
    headers = {}
    if retry_after is not None or status == 429:
        headers["Retry-After"] = _seconds(retry_after if retry_after is not None else 1)
    body: dict[str, Any] = {"status": status, "message": message}
    if code is not None:
        body["code"] = code
    body["requestId"] = request_id(request)
    return web.json_response(body, status=status, headers=headers)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def ok(data: Any = None, *, message: str | None = "OK", **extra: Any) -> web.Response:
    body: dict[str, Any] = {"status": 200}
    if message is not None:
        body["message"] = message
    if data is not None:
        body["data"] = data
    body.update(extra)
    return web.json_response(body)


def request_id(request: web.Request) -> str:
    return request.get("request_id", "")


def emulator(request: web.Request) -> Any:
    return request.app[EMULATOR_KEY]


def state(request: web.Request) -> EmulatorState:
    return emulator(request).state


def authenticate(request: web.Request, *, query_token: bool = False) -> Account:
    """The account of the bearer key; 401 AUTH_UNAUTHORIZED for a missing or unknown key.

    ``query_token`` reads the key from ``?token=`` instead (the GET simple-generate of seed 002).
    """
    if query_token:
        scheme, token = "bearer", request.query.get("token", "")
    else:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    with state(request).lock:
        account = state(request).accounts.get(token) if scheme.lower() == "bearer" else None
    if account is None:
        raise ApiError(401, "AUTH_UNAUTHORIZED", "Invalid or missing API key")
    return account


async def json_body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "VALIDATION_INVALID_FORMAT", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_INVALID_FORMAT", "Request body must be a JSON object")
    return body


# Public hosts a client's host map may send here (with their own Host header): URLs the emulator
# hands out point at the socket it really listens on, not at the real service.
PLAYED_HOSTS = frozenset(
    {"v1.vocu.ai", "v1.vocu.studio", "v1.wusound.cn", "noiz.ai", "api.useapi.net"}
)


def base_url(request: web.Request) -> str:
    if request.url.host in PLAYED_HOSTS:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if sockname:
            return f"http://{sockname[0]}:{sockname[1]}"
    return f"{request.scheme}://{request.host}"


def readings(request: web.Request) -> Any:
    """This instance's ReadingBook (which way ambiguous docs are answered)."""
    return emulator(request).readings


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
