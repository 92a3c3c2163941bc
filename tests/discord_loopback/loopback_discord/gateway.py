"""The gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, voice state requests, and dispatches.

Frames are sent as JSON text (discord.py asks for zstd/zlib but accepts uncompressed text).
A voice state request (op 4) is answered as Discord does: VOICE_STATE_UPDATE for the bot and, when
it joins a channel, VOICE_SERVER_UPDATE pointing at ``voice_endpoint``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from .world import APP_ID, CONNECT, GUILD_ID, World, user_json

_LOGGER = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, VOICE_STATE, HELLO, HEARTBEAT_ACK = 0, 1, 2, 4, 10, 11


class Gateway:
    def __init__(self, world: World, voice_endpoint: Callable[[], str]) -> None:
        self.world = world
        self.voice_endpoint = voice_endpoint
        self.url = ""  # set by the server once it listens
        self.voice_requests: list[dict[str, Any]] = []  # every op 4 the bot sent
        self.voice_request_times: list[float] = []  # loop time of each, in the same order
        self.voice_server_delay = 0.0  # seconds before VOICE_SERVER_UPDATE (a slow handshake)
        self._socket: web.WebSocketResponse | None = None
        self._sequence = 0
        self.ready = asyncio.Event()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": HELLO, "d": {"heartbeat_interval": 41_250}})
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            op, data = message["op"], message.get("d")
            if op == HEARTBEAT:
                await socket.send_json({"op": HEARTBEAT_ACK, "d": None})
            elif op == IDENTIFY:
                await self._identify(data)
            elif op == VOICE_STATE:
                self.voice_requests.append(data)
                self.voice_request_times.append(asyncio.get_running_loop().time())
                asyncio.create_task(self._voice_state(data))  # noqa: RUF006 - ends with the socket
        return socket

    async def _identify(self, data: dict[str, Any]) -> None:
        await self.dispatch(
            "READY",
            {
                "v": 10, "user": user_json(APP_ID, "vocubot", bot=True), "guilds":
                [{"id": str(GUILD_ID), "unavailable": True}], "session_id": "gateway-session",
                "resume_gateway_url": self.url, "shard": [0, 1],
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )  # fmt: skip
        await self.dispatch("GUILD_CREATE", self.world.guild_json())
        self.ready.set()

    async def _voice_state(self, data: dict[str, Any]) -> None:
        channel_id = data.get("channel_id")
        if channel_id is not None and not self.world.everyone_permissions & CONNECT:
            return  # Discord does not answer a join the bot may not make
        self.world.voice[APP_ID] = None if channel_id is None else int(channel_id)
        await self.dispatch("VOICE_STATE_UPDATE", self.world.voice_state_json(APP_ID))
        if channel_id is not None:
            await asyncio.sleep(self.voice_server_delay)
            await self.voice_server_update()

    async def voice_server_update(self) -> None:
        await self.dispatch(
            "VOICE_SERVER_UPDATE",
            {"token": "voice-token", "guild_id": str(GUILD_ID), "endpoint": self.voice_endpoint()},
        )

    async def move_member(self, user_id: int, channel_id: int | None) -> None:
        """A member (or the bot, by a moderator) moves, leaves or is disconnected."""
        self.world.voice[user_id] = channel_id
        await self.dispatch("VOICE_STATE_UPDATE", self.world.voice_state_json(user_id))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._socket is not None, "the bot has not connected to the gateway"
        self._sequence += 1
        await self._socket.send_json({"op": DISPATCH, "t": event, "s": self._sequence, "d": data})

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
