"""Error bodies in each emulated service's own shape, for the Noiz and MiniMax route prefixes.

Routes, faults and the app's error middleware all produce Vocu's ``{status, code, message,
requestId}``; this middleware (outside them) rewrites such bodies under the other prefixes:
Noiz ``{code, message, data}`` (``code`` = a numeric fault/route code, else the HTTP status, so a
``Fault(status=200, code="429")`` is Noiz's rate limit inside HTTP 200), useapi.net's
``{"error": message, "code": status}`` and MiniMax's own ``{base_resp: {status_code,
status_msg}, trace_id}``, sent with HTTP 200 as MiniMax sends business errors (a numeric route or
fault code is used as is; otherwise the HTTP status picks the code); 5xx keep their status.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

NOIZ_PREFIX = "/noiz/v1"
MINIMAX_PREFIX = "/useapi/v1/minimax"
MINIMAX_OFFICIAL_PREFIXES = ("/minimax", "/minimaxi")  # api.minimax.io, api.minimaxi.com
# HTTP-like status of a fault → MiniMax's base_resp.status_code (its error-code page).
_MINIMAX_CODES = {400: 2013, 401: 1004, 402: 1008, 403: 2038, 404: 2054, 409: 2039, 429: 1002}


def _noiz(status: int, body: dict[str, Any]) -> dict[str, Any]:
    code = str(body.get("code") or "")
    return {"code": int(code) if code.isdigit() else status, "message": body.get("message"),
            "data": None}  # fmt: skip


def _minimax(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"error": body.get("message"), "code": status}


def _minimax_official(status: int, body: dict[str, Any]) -> dict[str, Any]:
    code = str(body.get("code") or "")
    number = int(code) if code.isdigit() else _MINIMAX_CODES.get(status, 1000)
    return {"base_resp": {"status_code": number, "status_msg": body.get("message")},
            "trace_id": body.get("requestId")}  # fmt: skip


def _is_minimax_official(path: str) -> bool:
    return "/" + path.split("/", 2)[1] in MINIMAX_OFFICIAL_PREFIXES


@web.middleware
async def provider_error_shapes(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith(NOIZ_PREFIX):
        shape = _noiz
    elif request.path.startswith(MINIMAX_PREFIX):
        shape = _minimax
    elif _is_minimax_official(request.path):
        shape = _minimax_official
    else:
        return response
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return response
    try:
        body = json.loads(bytes(response.body or b""))  # type: ignore[arg-type]
    except (TypeError, ValueError, RecursionError):
        return response
    if not isinstance(body, dict) or "requestId" not in body or "code" not in body:
        return response  # a route's own success body
    response.body = json.dumps(shape(response.status, body)).encode()
    if shape is _minimax_official and response.status < 500:
        response.set_status(200)
    return response
