"""A loopback Discord for end-to-end tests: the real discord.py talks to it over real sockets.

One module per surface — `rest` (HTTP API), `gateway` (events), `voice` (TLS websocket + UDP) —
around one guild (`world`). Pointing discord.py at it is configuration: `Route.BASE`, the default
gateway URL, and an aiohttp connector that trusts the test CA (`certs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from aiohttp import web

from . import world as w
from .certs import make_certificates
from .gateway import Gateway
from .rest import InteractionRecord, RestApi
from .voice import VoiceServer

__all__ = ["InteractionRecord", "LoopbackDiscord", "loopback_in_thread", "running_loopback", "w"]


class LoopbackDiscord:
    def __init__(self, certificates_dir: Path) -> None:
        self.world = w.World()
        self.certs = make_certificates(certificates_dir)
        self.rest = RestApi(self.world)
        self.voice = VoiceServer()
        self.gateway = Gateway(self.world, self._voice_endpoint)
        self.voice_endpoint_mode = "ok"  # "ok" | "hang" (accepts, never answers) | "refuse"
        self.base_url = ""
        self._runners: list[web.AppRunner] = []
        self._silent: socket.socket | None = None
        self._hung: list[asyncio.StreamWriter] = []
        self._refused_port = 0
        self._hang_server: asyncio.Server | None = None

    def _voice_endpoint(self) -> str:
        if self.voice_endpoint_mode == "hang":
            assert self._hang_server is not None
            return f"127.0.0.1:{self._hang_server.sockets[0].getsockname()[1]}"
        if self.voice_endpoint_mode == "refuse":
            return f"127.0.0.1:{self._refused_port}"
        return self.voice.endpoint

    async def start(self) -> None:
        api = web.Application()
        api.add_routes(
            [
                web.get("/gateway/", self.gateway.handle),
                web.get("/api/v10/gateway/bot", self.gateway.bot_gateway),
                *self.rest.routes(),
            ]
        )
        port = await self._serve(api, None)
        self.base_url = f"http://127.0.0.1:{port}"
        self.gateway.url = f"ws://127.0.0.1:{port}/gateway/"
        voice_app = web.Application()
        voice_app.add_routes([web.get("/", self.voice.handle)])
        self.voice.port = await self._serve(voice_app, self.certs.server_context())
        await self.voice.start_udp()
        self._hang_server = await asyncio.start_server(self._never_answer, "127.0.0.1", 0)
        with socket.socket() as probe:  # a port nobody listens on: connecting is refused
            probe.bind(("127.0.0.1", 0))
            self._refused_port = probe.getsockname()[1]

    async def _serve(self, app: web.Application, ssl_context: Any) -> int:
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        self._runners.append(runner)
        return runner.addresses[0][1]

    async def _never_answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._hung.append(writer)

    async def stop(self) -> None:
        await self.gateway.close()
        await self.voice.close()
        for writer in self._hung:
            writer.close()
        if self._hang_server is not None:
            self._hang_server.close()
        for runner in reversed(self._runners):
            await runner.cleanup()

    # -- discord.py configuration ----------------------------------------------------------------

    def point_discord_py_here(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(discord.http.Route, "BASE", f"{self.base_url}/api/v10")
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway.url)
        )

    def connector(self) -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector(limit=0, ssl=self.certs.client_context())

    # -- what moderators do ---------------------------------------------------------------------

    async def set_everyone_permissions(self, permissions: int) -> None:
        self.world.everyone_permissions = permissions
        role = self.world.guild_json()["roles"][0]
        await self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(w.GUILD_ID), "role": role}
        )

    async def set_voice_user_limit(self, limit: int) -> None:
        self.world.voice_user_limit = limit
        for channel_id in (w.VOICE_CHANNEL_ID, w.OTHER_VOICE_CHANNEL_ID):
            await self.gateway.dispatch("CHANNEL_UPDATE", self.world.channel_json(channel_id))

    async def kick_bot(self) -> None:
        """A moderator disconnects the bot: its voice state goes empty, then the session ends."""
        await self.gateway.move_member(w.APP_ID, None)
        await self.voice.close_sessions(4014)

    async def move_bot(self, channel_id: int) -> None:
        """A moderator drags the bot to another channel (a new voice server session follows)."""
        await self.gateway.move_member(w.APP_ID, channel_id)
        await self.gateway.voice_server_update()

    # -- what users do ---------------------------------------------------------------------------

    def _interaction(
        self, kind: int, data: dict[str, Any], user_id: int, guild_id: int = w.GUILD_ID
    ) -> tuple[InteractionRecord, dict[str, Any]]:
        record = self.rest.new_interaction()
        member = self.world.member_json(user_id)
        member["permissions"] = str(self.world.everyone_permissions)
        channel_id = w.TEXT_CHANNEL_ID if guild_id == w.GUILD_ID else guild_id + 1
        payload = {
            "id": str(record.id), "application_id": str(w.APP_ID), "type": kind,
            "token": record.token, "version": 1, "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "channel": self.world.channel_json(channel_id, guild_id),
            "member": member, "app_permissions": str(self.world.everyone_permissions),
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(guild_id)}, "context": 0,
            "data": {"id": str(w.snowflake()), "guild_id": str(guild_id), **data},
        }  # fmt: skip
        return record, payload

    async def slash(
        self,
        path: str,
        *,
        user_id: int = w.MEMBER_ID,
        focused: str | None = None,
        guild_id: int = w.GUILD_ID,
        **options: Any,
    ) -> InteractionRecord:
        """``/path`` with options, e.g. ``slash("tts say", text="hi")``; ``focused``: autocomplete.

        ``guild_id``: in another guild (`World.add_guild`), sent to the shard serving it.
        """
        names = path.split()
        leaf = [
            {"type": 3 if isinstance(v, str) else 4, "name": k, "value": v,
             **({"focused": True} if k == focused else {})}
            for k, v in options.items()
        ]  # fmt: skip
        for name in reversed(names[1:]):
            leaf = [{"type": 1, "name": name, "options": leaf}]
        data = {"name": names[0], "type": 1, "options": leaf}
        record, payload = self._interaction(4 if focused else 2, data, user_id, guild_id)
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        return record

    async def context_menu(self, name: str, message: dict[str, Any]) -> InteractionRecord:
        data = {
            "name": name, "type": 3, "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }  # fmt: skip
        record, payload = self._interaction(2, data, w.MEMBER_ID)
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    async def post_message(self, content: str, *, author_id: int = w.MEMBER_ID) -> dict[str, Any]:
        message = self.world.message_json(w.TEXT_CHANNEL_ID, author_id, content)
        await self.gateway.dispatch("MESSAGE_CREATE", message)
        return message


@contextlib.contextmanager
def loopback_in_thread(certificates_dir: Path) -> Iterator[LoopbackDiscord]:
    """For a test whose code under test runs its own event loop (the command line's `main`)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="loopback-discord", daemon=True)
    thread.start()
    loopback = LoopbackDiscord(certificates_dir)
    asyncio.run_coroutine_threadsafe(loopback.start(), loop).result(30)
    try:
        yield loopback
    finally:
        asyncio.run_coroutine_threadsafe(loopback.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextlib.asynccontextmanager
async def running_loopback(certificates_dir: Path) -> AsyncIterator[LoopbackDiscord]:
    loopback = LoopbackDiscord(certificates_dir)
    await loopback.start()
    try:
        yield loopback
    finally:
        await loopback.stop()
