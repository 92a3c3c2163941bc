"""Adversarial answers: what a hostile or broken server or proxy may send.

Set per request through a :class:`~vocu_emulator.faults.Fault` (``POST /_emulator/faults``) and
gone with ``reset``, like every other fault:

- ``echo_key``: the caller's key is echoed into the request id (header and body), the error
  ``code`` and ``message`` (an error answer when ``status`` is set, else only the request id of
  the ordinary answer). The emulator's own logs may then contain the key, on purpose.
- ``endless``: ``"json"`` - a 200 JSON voice list that never ends; ``"audio"`` - MP3 frames
  that never end.
- ``trickle_interval``: the ordinary answer, one byte every that many seconds.
- ``gzip_bomb``: a 200 JSON answer whose gzip body inflates to that many bytes.
- ``unclean_end``: the ordinary answer with neither ``Content-Length`` nor chunking, the
  connection closed after ``cut_after_bytes`` (default: half the body).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import io
import json
from collections.abc import Mapping

from aiohttp import web

from .faults import Fault

_VOICE = {
    "id": "endless-voice",
    "name": "Endless",
    "status": "lora-success",
    "metadata": {"avatar": None, "description": None, "prompts": []},
}
# One MPEG-1 layer III frame, 128 kbit/s, 44.1 kHz: header + 413 bytes of silence.
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413
_ENDLESS_PIECE = 64 * 1024


def caller_key(request: web.Request) -> str:
    """The key the caller sent (``Bearer x`` or a bare key), or "" for an unauthenticated call."""
    value = request.headers.get("Authorization", "")
    return value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value


def echo_request_id(request: web.Request) -> None:
    """Put the caller's key into the request id the answer's header and body carry."""
    key = caller_key(request)
    if key:
        request["request_id"] = f"rid-{key}"


def echoing_error(request: web.Request, fault: Fault) -> web.Response:
    key = caller_key(request)
    status = fault.status or 400
    body = {
        "status": status,
        "code": fault.code or f"ERR-{key}",
        "message": fault.message or f"bad key Bearer {key} ({key[:12]}…)",
        "requestId": f"Bearer {key}",
    }
    return web.json_response(body, status=status)


@functools.lru_cache(maxsize=4)
def gzip_bomb_body(inflated: int) -> bytes:
    """Valid JSON once inflated (a voice list padded with whitespace), gzip at the best ratio.

    Compressed piece by piece (never the inflated size in memory) and cached for repeated tests.
    """
    head, tail = b'{"status":200,"data":', b"[]}"
    padding = max(0, inflated - len(head) - len(tail))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as packed:
        packed.write(head)
        block = b" " * (1024 * 1024)
        while padding > 0:
            packed.write(block[: min(padding, len(block))])
            padding -= len(block)
        packed.write(tail)
    return out.getvalue()


def gzip_bomb(fault: Fault) -> web.Response:
    body = gzip_bomb_body(int(fault.gzip_bomb or 0))
    return web.Response(
        body=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )


async def endless(request: web.Request, kind: str) -> web.StreamResponse:
    """A chunked answer that never ends (until the client hangs up or the emulator resets)."""
    request["fault_applied"] = True
    audio = kind == "audio"
    response = web.StreamResponse(
        headers={"Content-Type": "audio/mpeg" if audio else "application/json"}
    )
    response.enable_chunked_encoding()
    item = json.dumps(_VOICE).encode() + b","
    piece = (
        MP3_FRAME * (_ENDLESS_PIECE // len(MP3_FRAME))
        if audio
        else item * (_ENDLESS_PIECE // len(item))
    )
    with contextlib.suppress(ConnectionResetError, ConnectionError):
        await response.prepare(request)
        if not audio:
            await response.write(b'{"status":200,"data":[')
        while request.transport is not None and not request.transport.is_closing():
            await response.write(piece)
            await asyncio.sleep(0)  # let the client's side and resets run
    return response


async def trickle(
    request: web.Request,
    body: bytes,
    headers: Mapping[str, str],
    interval: float,
    *,
    status: int = 200,
) -> web.StreamResponse:
    """The whole body, one byte every ``interval`` seconds."""
    request["fault_applied"] = True
    response = web.StreamResponse(status=status, headers=headers)
    response.enable_chunked_encoding()
    with contextlib.suppress(ConnectionResetError, ConnectionError):
        await response.prepare(request)
        for index in range(len(body)):
            await response.write(body[index : index + 1])
            await asyncio.sleep(interval)
        await response.write_eof()
    return response


def unclean_end(
    request: web.Request,
    body: bytes,
    headers: Mapping[str, str],
    cut: int | None,
    *,
    status: int = 200,
) -> web.Response:
    """Write an HTTP/1.1 answer by hand, without length or chunking, and close it mid-body.

    aiohttp's server would add chunking itself; a close-delimited body is what an old proxy sends.
    """
    request["fault_applied"] = True
    sent = body[: len(body) // 2 if cut is None else cut]
    skip = {"content-length", "transfer-encoding", "connection"}
    lines = [f"HTTP/1.1 {status} OK"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in skip]
    if "X-Vocu-App-Request-Id" not in headers and "request_id" in request:
        lines.append(f"X-Vocu-App-Request-Id: {request['request_id']}")
    lines.append("Connection: close")
    transport = request.transport
    if transport is not None:
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + sent)
        transport.close()
    # Nothing more reaches the client: aiohttp finds the socket closed when it tries to write.
    return web.Response(status=503)
