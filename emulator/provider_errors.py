"""Error bodies in each emulated service's own shape, for the Noiz and MiniMax route prefixes.

Routes, faults and the app's error middleware all produce Vocu's ``{status, code, message,
requestId}``; this middleware (outside them) rewrites such bodies under the other prefixes:
Noiz ``{code, message, data}`` (``code`` = a numeric fault/route code, else the HTTP status, so a
``Fault(status=200, code="429")`` is Noiz's rate limit inside HTTP 200) and useapi.net's
``{"error": message, "code": status}``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

NOIZ_PREFIX = "/noiz/v1"
MINIMAX_PREFIX = "/useapi/v1/minimax"


def _noiz(status: int, body: dict[str, Any]) -> dict[str, Any]:
    code = str(body.get("code") or "")
    return {"code": int(code) if code.isdigit() else status, "message": body.get("message"),
            "data": None}  # fmt: skip


def _minimax(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"error": body.get("message"), "code": status}


@web.middleware
async def provider_error_shapes(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith(NOIZ_PREFIX):
        shape = _noiz
    elif request.path.startswith(MINIMAX_PREFIX):
        shape = _minimax
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
    return response
