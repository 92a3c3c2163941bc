"""Odd turbo WebSocket messages are one typed error, never a TypeError traceback.

A real aiohttp WebSocket server on loopback plays a service that answers a synthesis request
with a message of an unexpected shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from vocu_client import Timeouts, VocuClient, errors
from vocu_client.models import TurboChannel
from vocu_client.turbo import connect_turbo


def _server(answer: dict[str, Any]) -> web.Application:
    async def channel(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "connected"})
        async for message in ws:
            if message.json().get("type") == "synthesis_request":
                await ws.send_json(answer)
        return ws

    app = web.Application()
    app.router.add_get("/ws", channel)
    return app


@pytest.fixture
async def client() -> AsyncIterator[VocuClient]:
    timeouts = Timeouts(connect=5, first_byte=2, idle=2)
    made = VocuClient("sk-turbo-test", base_url="http://127.0.0.1:9", timeouts=timeouts)
    yield made
    await made.close()


@pytest.mark.parametrize(
    "answer",
    [
        {"type": "audio_chunk", "data": {"hex": 5}},
        {"type": "audio_chunk", "data": {"hex": ["00"]}},
        # An unhashable type is ignored like any unknown message (then the wait runs out).
        {"type": ["audio_chunk"], "data": {"hex": "0000"}},
    ],
)
async def test_odd_turbo_messages_are_typed(client: VocuClient, answer: dict[str, Any]) -> None:
    server = TestServer(_server(answer), host="127.0.0.1")
    await server.start_server()
    try:
        channel = TurboChannel(id="c", ws_url=str(server.make_url("/ws")), cancel_after=60)
        session = await connect_turbo(client._transport, channel)
        try:
            with pytest.raises(errors.VoiceServiceError):
                async with asyncio.timeout(30):
                    async for _ in session.synthesize("Hello."):
                        pass
        finally:
            await session.close()
    finally:
        await server.close()
