"""Paced audio bodies, with the stream-level faults (slow first byte, cut, garbage) applied."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from aiohttp import web

from . import adversarial
from .faults import Fault
from .state import Pacing

# Plainly not MP3 (no frame sync bytes), so a client's audio sniffing must notice.
GARBAGE = b"<html><body>502 Bad Gateway: upstream sent an invalid response</body></html>\n"


def garbage_like(body: bytes) -> bytes:
    repeats = len(body) // len(GARBAGE) + 1
    return (GARBAGE * repeats)[: max(len(body), len(GARBAGE))]


async def send_paced(
    request: web.Request,
    body: bytes,
    *,
    pacing: Pacing,
    fault: Fault | None,
    headers: Mapping[str, str],
    content_type: str = "audio/mpeg",
    chunked: bool = True,
) -> web.StreamResponse:
    """Send `body` in `chunk_bytes` pieces every `chunk_interval` s after `first_byte_delay` s."""
    request["fault_applied"] = True
    delay = pacing.first_byte_delay
    if fault is not None and fault.first_byte_delay is not None:
        delay = fault.first_byte_delay
    if fault is not None and fault.garbage:
        body = garbage_like(body)
    if delay > 0:
        await asyncio.sleep(delay)
    all_headers = {**headers, "Content-Type": content_type}
    if fault is not None and fault.unclean_end:
        return adversarial.unclean_end(request, body, all_headers, fault.cut_after_bytes)
    if fault is not None and fault.trickle_interval:
        return await adversarial.trickle(request, body, all_headers, fault.trickle_interval)
    response = web.StreamResponse(headers={**headers, "Content-Type": content_type})
    if chunked:
        response.enable_chunked_encoding()
    else:
        response.content_length = len(body)
    # A client that gave up (timeout, cancel) is normal here: nothing is left to do.
    with contextlib.suppress(ConnectionResetError):
        await response.prepare(request)
        await _write_body(request, response, body, pacing, fault)
    return response


async def _write_body(
    request: web.Request,
    response: web.StreamResponse,
    body: bytes,
    pacing: Pacing,
    fault: Fault | None,
) -> None:
    cut = fault.cut_after_bytes if fault is not None else None
    size = max(1, pacing.chunk_bytes)
    sent = 0
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        if cut is not None and sent + len(piece) >= cut:
            await response.write(piece[: max(0, cut - sent)])
            drop_connection(request)
            return
        await response.write(piece)
        sent += len(piece)
        if pacing.chunk_interval > 0 and start + size < len(body):
            await asyncio.sleep(pacing.chunk_interval)
    if cut is not None:
        drop_connection(request)
        return
    await response.write_eof()


def drop_connection(request: web.Request) -> None:
    """Close the TCP connection without finishing the body, like a dropped network link.

    `close()` (not `abort()`) flushes what was already written, so exactly the bytes before the
    cut reach the client; aiohttp's own attempt to finish the body then finds the socket closed.
    """
    transport = request.transport
    if transport is not None:
        with contextlib.suppress(Exception):
            transport.close()
