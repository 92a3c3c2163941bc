"""The turbo WebSocket's protocol edges, against a scripted aiohttp WebSocket server on loopback.

The emulator speaks the documented happy path; these shapes (a channel not ready yet, messages
interleaved mid-stream, errors carried in the body, a stall after audio, a handshake refused)
are ones only a scripted server can produce on demand. Our client is used unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from vocu_client import Timeouts, VocuClient, errors
from vocu_client.models import TurboChannel
from vocu_client.turbo import NOT_READY_TEXT, connect_turbo

KEY = "sk-turbo-protocol-secret"
STALL = object()  # in an answer script: stop sending and keep the socket open
HANG_UP = object()  # in an answer script: close the socket


@dataclass
class Script:
    """What the server sends: one greeting per connection, then an answer per request."""

    greetings: list[Any] = field(default_factory=lambda: ['{"type": "connected"}'])
    answer: list[Any] = field(default_factory=list)
    handshake_status: int | None = None
    connections: int = 0


async def _send(ws: web.WebSocketResponse, frame: Any) -> None:
    if isinstance(frame, bytes):
        await ws.send_bytes(frame)
    elif isinstance(frame, str):
        await ws.send_str(frame)
    else:
        await ws.send_json(frame)


def _app(script: Script) -> web.Application:
    async def channel(request: web.Request) -> web.StreamResponse:
        if script.handshake_status is not None:
            return web.json_response({"status": script.handshake_status}, status=404)
        greeting = script.greetings[min(script.connections, len(script.greetings) - 1)]
        script.connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await _send(ws, greeting)
        async for message in ws:
            if message.json().get("type") != "synthesis_request":
                continue
            for frame in script.answer:
                if frame is STALL:
                    await asyncio.sleep(30)
                elif frame is HANG_UP:
                    await ws.close()
                    return ws
                else:
                    await _send(ws, frame)
        return ws

    app = web.Application()
    app.router.add_get("/ws", channel)
    return app


@pytest.fixture
async def client() -> AsyncIterator[VocuClient]:
    made = VocuClient(
        KEY, base_url="http://127.0.0.1:9", timeouts=Timeouts(connect=5, first_byte=3, idle=0.5)
    )
    yield made
    await made.close()


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    servers: list[TestServer] = []

    async def start(script: Script) -> TurboChannel:
        server = TestServer(_app(script), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return TurboChannel(id="c", ws_url=str(server.make_url("/ws")), cancel_after=60)

    yield start
    for server in servers:
        await server.close()


async def _speak(client: VocuClient, channel: TurboChannel, text: str = "Hello.") -> bytes:
    session = await connect_turbo(client._transport, channel)
    try:
        async with asyncio.timeout(20):
            return b"".join([pcm async for pcm in session.synthesize(text)])
    finally:
        await session.close()


def _chunk(hex_data: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "audio_chunk", "data": {"hex": hex_data, **extra}}


async def test_messages_interleaved_mid_stream_do_not_end_or_corrupt_the_audio(
    client: VocuClient, serve: Any
) -> None:
    """pong/connected/unknown/binary/non-JSON frames between chunks are skipped, not audio."""
    script = Script(
        answer=[
            _chunk("0102", pcm={"sampleRate": 24000, "channels": 1, "bitDepth": 16}),
            {"type": "pong"},
            {"type": "connected"},
            b"\x00\x01binary",
            "not json at all",
            "[1, 2]",
            {"type": "progress", "data": {"percent": 50}},
            _chunk("0304"),
            {"type": "segment_end"},
            _chunk("ffff"),  # after the end marker: belongs to nothing we asked for
        ]
    )
    channel = await serve(script)
    session = await connect_turbo(client._transport, channel)
    # The wsUrl is a capability (anyone holding it may speak on the channel): never in a repr.
    assert repr(session) == "<TurboSession channel=c>"
    try:
        async with asyncio.timeout(20):
            pcm = b"".join([pcm async for pcm in session.synthesize("Hello.")])
        assert pcm == b"\x01\x02\x03\x04"
        assert session.pcm_format == {"sampleRate": 24000, "channels": 1, "bitDepth": 16}
    finally:
        await session.close()
    assert session._ws.closed  # close() hangs up the socket


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"type": "error", "data": {"status": 401, "code": "AUTH_UNAUTHORIZED"}}, "auth"),
        # No "error" type, but the body carries an HTTP error status: still an error.
        (_chunk("0102", status=429, code="RATE_LIMIT_CONCURRENT", message="busy"), "rate"),
        ({"type": "error", "data": {"message": "no status"}}, "server"),
    ],
)
async def test_error_in_the_body_is_a_typed_error_without_the_key(
    client: VocuClient, serve: Any, frame: dict[str, Any], expected: str
) -> None:
    frame = {**frame, "data": {**frame["data"], "requestId": f"Bearer {KEY}"}}
    channel = await serve(Script(answer=[frame]))
    kinds = {
        "auth": errors.AuthenticationError,
        "rate": errors.RateLimitError,
        "server": errors.ServerError,
    }
    with pytest.raises(kinds[expected]) as caught:
        await _speak(client, channel)
    assert KEY not in repr(caught.value) and KEY not in str(caught.value)
    assert KEY not in str(caught.value.request_id or "")


async def test_chunk_that_is_not_hex_is_invalid_audio(client: VocuClient, serve: Any) -> None:
    channel = await serve(Script(answer=[_chunk("0102"), _chunk("zz-not-hex")]))
    with pytest.raises(errors.InvalidAudioError):
        await _speak(client, channel)


async def test_chunk_that_is_not_text_is_an_unexpected_answer(
    client: VocuClient, serve: Any
) -> None:
    channel = await serve(Script(answer=[_chunk({"bytes": "0102"})]))
    with pytest.raises(errors.UnexpectedResponseError):
        await _speak(client, channel)


async def test_stall_after_audio_times_out_on_the_idle_limit(
    client: VocuClient, serve: Any
) -> None:
    """After the first chunk the short idle limit (0.5 s) applies, not first_byte (3 s)."""
    channel = await serve(Script(answer=[_chunk("0102"), STALL]))
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(errors.ServiceTimeoutError):
        await _speak(client, channel)
    assert loop.time() - started < 2.5  # wide margin, yet below first_byte


async def test_hang_up_mid_stream_reports_the_bytes_received(
    client: VocuClient, serve: Any
) -> None:
    channel = await serve(Script(answer=[_chunk("010203"), HANG_UP]))
    with pytest.raises(errors.StreamInterruptedError) as caught:
        await _speak(client, channel)
    assert caught.value.bytes_received == 3


async def test_channel_not_ready_is_retried_then_speaks(client: VocuClient, serve: Any) -> None:
    script = Script(
        greetings=[NOT_READY_TEXT, '{"type": "connected"}'],
        answer=[_chunk("0a0b"), _chunk("")],
    )
    channel = await serve(script)
    assert await _speak(client, channel) == b"\x0a\x0b"
    assert script.connections == 2


@pytest.mark.parametrize("greeting", ['{"type": "hello"}', "welcome", b"\x00", "[]"])
async def test_channel_that_never_confirms_is_a_connection_error(
    client: VocuClient, serve: Any, greeting: Any
) -> None:
    channel = await serve(Script(greetings=[greeting]))
    with pytest.raises(errors.ServiceConnectionError, match="did not confirm"):
        await connect_turbo(client._transport, channel)


async def test_handshake_refused_404_is_not_found(client: VocuClient, serve: Any) -> None:
    """An expired channel id: the caller must open a new channel, not retry this one."""
    channel = await serve(Script(handshake_status=404))
    with pytest.raises(errors.NotFoundError):
        await connect_turbo(client._transport, channel)


async def test_unreachable_or_missing_ws_url_is_a_connection_or_server_error(
    client: VocuClient,
) -> None:
    with pytest.raises(errors.ServerError):
        await connect_turbo(client._transport, TurboChannel(id="c", ws_url="", cancel_after=60))
    closed_port = TurboChannel(id="c", ws_url="ws://127.0.0.1:9/ws", cancel_after=60)
    with pytest.raises(errors.ServiceConnectionError):
        await connect_turbo(client._transport, closed_port)
