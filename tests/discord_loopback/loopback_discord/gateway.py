"""The gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, voice state requests, and dispatches.

Frames are sent as JSON text (discord.py asks for zstd/zlib but accepts uncompressed text).
A voice state request (op 4) is answered as Discord does: VOICE_STATE_UPDATE for the bot and, when
it joins a channel, VOICE_SERVER_UPDATE pointing at ``voice_endpoint``.

Sharding as Discord does it: ``GET /gateway/bot`` recommends ``recommended_shards`` and tells
``max_concurrency``; an IDENTIFY with ``shard: [id, count]`` receives only the guilds with
``(guild_id >> 22) % count == id``. Every IDENTIFY is recorded; a second one in the same bucket
(``id % max_concurrency``) within ``identify_interval`` (Discord's 5 s, scaled down in tests) gets
an Invalid Session (op 9) and the connection closed, as Discord invalidates a session then.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .world import APP_ID, CONNECT, GUILD_ID, World, shard_of, user_json

_LOGGER = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, VOICE_STATE, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0, 1, 2, 4, 9, 10, 11
)  # fmt: skip
RATE_LIMITED = 4008  # close code: "you're sending payloads too quickly"


@dataclass(frozen=True)
class IdentifyRecord:
    at: float  # loop time of arrival
    shard_id: int
    shard_count: int
    accepted: bool


class _Session:
    def __init__(self, socket: web.WebSocketResponse) -> None:
        self.socket = socket
        self.sequence = 0
        self.shard = (0, 1)


class Gateway:
    def __init__(self, world: World, voice_endpoint: Callable[[], str]) -> None:
        self.world = world
        self.voice_endpoint = voice_endpoint
        self.url = ""  # set by the server once it listens
        self.voice_requests: list[dict[str, Any]] = []  # every op 4 the bot sent
        self.voice_request_times: list[float] = []  # loop time of each, in the same order
        self.voice_server_delay = 0.0  # seconds before VOICE_SERVER_UPDATE (a slow handshake)
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self.max_concurrency = 1
        self.identify_interval = 5.0  # Discord's window per identify bucket
        self.identifies: list[IdentifyRecord] = []
        self._sessions: dict[int, _Session] = {}  # by shard id: the identified connections
        self._open: set[_Session] = set()
        self.ready = asyncio.Event()

    @property
    def shard_count(self) -> int:
        return next(iter(self._sessions.values())).shard[1] if self._sessions else 1

    def _session_of(self, guild_id: int) -> _Session | None:
        return self._sessions.get(shard_of(guild_id, self.shard_count))

    async def bot_gateway(self, request: web.Request) -> web.Response:
        """``GET /gateway/bot``: where to connect, how many shards, how many logins at once."""
        limit = {"total": 1000, "remaining": 1000 - len(self.identifies), "reset_after": 0,
                 "max_concurrency": self.max_concurrency}  # fmt: skip
        body = {"url": self.url, "shards": self.recommended_shards, "session_start_limit": limit}
        # discord.py parses JSON only when Content-Type is exactly application/json
        return web.Response(
            body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        session = _Session(socket)
        self._open.add(session)
        try:
            await socket.send_json({"op": HELLO, "d": {"heartbeat_interval": 41_250}})
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                op, data = message["op"], message.get("d")
                if op == HEARTBEAT:
                    await socket.send_json({"op": HEARTBEAT_ACK, "d": None})
                elif op == IDENTIFY:
                    await self._identify(session, data)
                elif op == VOICE_STATE:
                    self.voice_requests.append(data)
                    self.voice_request_times.append(asyncio.get_running_loop().time())
                    asyncio.create_task(self._voice_state(data))  # noqa: RUF006 - ends with the socket
        finally:
            self._open.discard(session)
        return socket

    def _too_soon(self, shard_id: int, now: float) -> bool:
        bucket = shard_id % self.max_concurrency
        return any(
            record.accepted
            and record.shard_id % self.max_concurrency == bucket
            and now - record.at < self.identify_interval
            for record in self.identifies
        )

    async def _identify(self, session: _Session, data: dict[str, Any]) -> None:
        shard_id, shard_count = data.get("shard") or (0, 1)
        now = asyncio.get_running_loop().time()
        accepted = not self._too_soon(shard_id, now)
        self.identifies.append(IdentifyRecord(now, shard_id, shard_count, accepted))
        if not accepted:
            _LOGGER.warning("IDENTIFY of shard %s inside its bucket's window", shard_id)
            await session.socket.send_json({"op": INVALID_SESSION, "d": False})
            await session.socket.close(code=RATE_LIMITED, message=b"Rate limited.")
            return
        session.shard = (shard_id, shard_count)
        self._sessions[shard_id] = session
        guild_ids = [g for g in self.world.guild_ids if shard_of(g, shard_count) == shard_id]
        await self._send(
            session,
            "READY",
            {
                "v": 10, "user": user_json(APP_ID, "vocubot", bot=True), "guilds":
                [{"id": str(g), "unavailable": True} for g in guild_ids],
                "session_id": f"gateway-session-{shard_id}",
                "resume_gateway_url": self.url, "shard": [shard_id, shard_count],
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )  # fmt: skip
        for guild_id in guild_ids:
            await self._send(session, "GUILD_CREATE", self.world.guild_json(guild_id))
        if GUILD_ID in guild_ids:
            self.ready.set()

    def identified_shards(self) -> list[int]:
        return sorted(record.shard_id for record in self.identifies if record.accepted)

    async def _voice_state(self, data: dict[str, Any]) -> None:
        channel_id = data.get("channel_id")
        guild_id = int(data.get("guild_id") or GUILD_ID)
        if channel_id is not None and not self.world.everyone_permissions & CONNECT:
            return  # Discord does not answer a join the bot may not make
        self.world.voice_of(guild_id)[APP_ID] = None if channel_id is None else int(channel_id)
        await self.dispatch(
            "VOICE_STATE_UPDATE", self.world.voice_state_json(APP_ID, guild_id), guild_id=guild_id
        )
        if channel_id is not None:
            await asyncio.sleep(self.voice_server_delay)
            await self.voice_server_update(guild_id)

    async def voice_server_update(self, guild_id: int = GUILD_ID) -> None:
        await self.dispatch(
            "VOICE_SERVER_UPDATE",
            {"token": "voice-token", "guild_id": str(guild_id), "endpoint": self.voice_endpoint()},
            guild_id=guild_id,
        )

    async def move_member(self, user_id: int, channel_id: int | None) -> None:
        """A member (or the bot, by a moderator) moves, leaves or is disconnected."""
        self.world.voice[user_id] = channel_id
        await self.dispatch("VOICE_STATE_UPDATE", self.world.voice_state_json(user_id))

    async def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int = GUILD_ID) -> None:
        """Send an event to the shard that serves ``guild_id``."""
        session = self._session_of(guild_id)
        assert session is not None, "no shard of the bot serving this guild has connected"
        await self._send(session, event, data)

    async def _send(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.sequence += 1
        await session.socket.send_json(
            {"op": DISPATCH, "t": event, "s": session.sequence, "d": data}
        )

    async def close(self) -> None:
        for session in list(self._open):
            await session.socket.close()
