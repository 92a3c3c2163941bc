"""The REST API under /api/v10: commands, interaction callbacks and follow-ups, messages.

It keeps the rule that matters most: an interaction gets one initial response, within 3 seconds
of its creation; a later callback is refused with 404 / code 10062 "Unknown interaction", a second
one with 400 / 40060. Follow-ups need an initial response first (404 / 10015 otherwise).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .world import APP_ID, BOT_TOKEN, World, snowflake, user_json

INTERACTION_DEADLINE = 3.0  # seconds, Discord's


@dataclass
class InteractionRecord:
    id: int
    token: str
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None  # 4 message, 5 deferred, 8 autocomplete choices
    response: dict[str, Any] | None = None
    response_delay: float | None = None
    rejected: list[int] = field(default_factory=list)  # Discord error codes sent back
    followups: list[dict[str, Any]] = field(default_factory=list)
    original_edits: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ephemeral(self) -> bool:
        return bool(((self.response or {}).get("flags") or 0) & 64)

    def texts(self) -> list[str]:
        """Every text the user saw: the initial message, edits of it, and follow-ups."""
        parts = [self.response or {}, *self.original_edits, *self.followups]
        return [part["content"] for part in parts if part.get("content")]

    async def wait_for_text(self, timeout: float) -> str:
        async with asyncio.timeout(timeout):
            while not self.texts():
                self.changed.clear()
                await self.changed.wait()
        return self.texts()[-1]


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


class RestApi:
    def __init__(self, world: World) -> None:
        self.world = world
        self.interactions: dict[int, InteractionRecord] = {}
        self.command_uploads: list[tuple[str, list[dict[str, Any]]]] = []  # (scope, commands)
        self.messages: list[dict[str, Any]] = []  # sent by the bot to channels
        self.reactions: list[tuple[int, str]] = []  # (message id, emoji)
        self.unknown_routes: list[str] = []
        self.slow_callbacks: float = 0.0  # delay before answering any callback (a slow network)

    def routes(self) -> list[web.RouteDef]:
        base = "/api/v10"
        return [
            web.get(f"{base}/users/@me", self.me),
            web.get(f"{base}/oauth2/applications/@me", self.application),
            web.put(f"{base}/applications/{{app}}/commands", self.upload_commands),
            web.put(f"{base}/applications/{{app}}/guilds/{{guild}}/commands", self.upload_commands),
            web.post(f"{base}/interactions/{{id}}/{{token}}/callback", self.callback),
            web.post(f"{base}/webhooks/{{app}}/{{token}}", self.followup),
            web.patch(f"{base}/webhooks/{{app}}/{{token}}/messages/@original", self.edit_original),
            web.post(f"{base}/channels/{{channel}}/messages", self.channel_message),
            web.put(
                f"{base}/channels/{{channel}}/messages/{{message}}/reactions/{{emoji}}/@me",
                self.reaction,
            ),
            web.route("*", f"{base}/{{tail:.*}}", self.unknown),
        ]

    def new_interaction(self) -> InteractionRecord:
        record = InteractionRecord(id=snowflake(), token=f"interaction-token-{snowflake()}")
        self.interactions[record.id] = record
        return record

    async def me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {BOT_TOKEN}":
            return _error(401, 0, "401: Unauthorized")
        return _json(user_json(APP_ID, "vocubot", bot=True))

    async def application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID), "name": "vocubot", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "owner": user_json(1, "owner"), "team": None, "flags": 0,
            }
        )  # fmt: skip

    async def upload_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        scope = request.match_info.get("guild", "global")
        self.command_uploads.append((scope, commands))
        answered = [
            {
                "description": "",
                **command,
                "id": str(snowflake()),
                "application_id": str(APP_ID),
                "version": "1",
            }
            for command in commands
        ]
        return _json(answered)

    async def callback(self, request: web.Request) -> web.Response:
        if self.slow_callbacks:
            await asyncio.sleep(self.slow_callbacks)
        record = self.interactions.get(int(request.match_info["id"]))
        body = await _body(request)
        if record is None or record.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        delay = time.monotonic() - record.created
        if delay > INTERACTION_DEADLINE:
            record.rejected.append(10062)
            record.changed.set()
            return _error(404, 10062, "Unknown interaction")
        if record.response_type is not None:
            record.rejected.append(40060)
            return _error(400, 40060, "Interaction has already been acknowledged.")
        record.response_type = body["type"]
        record.response = body.get("data") or {}
        record.response_delay = delay
        record.answered.set()
        record.changed.set()
        return _json(
            {"interaction": {"id": str(record.id), "type": 2,
                             "response_message_loading": body["type"] == 5,
                             "response_message_ephemeral": record.ephemeral}}
        )  # fmt: skip

    def _by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.token == token), None)

    async def followup(self, request: web.Request) -> web.Response:
        record = self._by_token(request.match_info["token"])
        if record is None or record.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        body = await _body(request)
        record.followups.append(body)
        record.changed.set()
        return _json(self.world.message_json(0, APP_ID, body.get("content") or ""))

    async def edit_original(self, request: web.Request) -> web.Response:
        record = self._by_token(request.match_info["token"])
        if record is None or record.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        body = await _body(request)
        record.original_edits.append(body)
        record.changed.set()
        return _json(self.world.message_json(0, APP_ID, body.get("content") or ""))

    async def channel_message(self, request: web.Request) -> web.Response:
        body = await _body(request)
        channel_id = int(request.match_info["channel"])
        self.messages.append({**body, "channel_id": channel_id})
        return _json(self.world.message_json(channel_id, APP_ID, body.get("content") or ""))

    async def reaction(self, request: web.Request) -> web.Response:
        self.reactions.append((int(request.match_info["message"]), request.match_info["emoji"]))
        return web.Response(status=204)

    async def unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(f"{request.method} {request.path}")
        return _error(404, 0, "404: Not Found")


async def _body(request: web.Request) -> dict[str, Any]:
    """JSON, or multipart with ``payload_json`` (+ files, recorded by name and size)."""
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        files = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append({"filename": part.filename, "size": len(data)})  # type: ignore[union-attr]
        payload["uploaded_files"] = files
        return payload
    if request.can_read_body:
        return await request.json()
    return {}
