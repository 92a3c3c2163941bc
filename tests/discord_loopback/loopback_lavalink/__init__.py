"""A loopback Lavalink v4 node: the documented protocol, with real fetching and decoding.

Lavalink's jar cannot be installed here, so this node stands in for it and keeps its rules where
they matter to the bot (Lavalink docs/api: websocket.md, rest.md):
- A voice state needs ``channelId`` besides token, endpoint and sessionId (4.2, DAVE): 400.
- ``/v4/websocket`` needs ``Authorization``, ``User-Id`` and ``Client-Name``; it sends ``ready``
  (``resumed`` true when a ``Session-Id`` names a session kept for resuming), ``stats``,
  ``playerUpdate`` and the ``event`` ops.
- ``GET /v4/info``, ``PATCH /v4/sessions/{id}`` (resuming, timeout),
  ``PATCH|DELETE /v4/sessions/{id}/players/{guild}``, ``GET /v4/loadtracks``.
- The HTTP source fetches the track URL itself, with none of the bot's headers. Loading probes the
  first bytes (an HTTP error or an unknown format is a load error); playing fetches the URL again
  and decodes it with real FFmpeg, paced in real time: TrackStartEvent after the first decoded
  20 ms frame, TrackEndEvent ``finished`` at the decoded duration, TrackExceptionEvent +
  TrackEndEvent ``loadFailed`` on an HTTP error or undecodable data, ``stopped`` / ``replaced``
  / ``cleanup`` when the client stops, replaces or destroys the player.
It sends no RTP to the voice server (the voice update it receives is recorded instead).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from vocu_discord.audio import find_ffmpeg

PASSWORD = "youshallnotpass"
VERSION = "4.2.0"
FRAME_BYTES = 3840  # 20 ms of 48 kHz stereo s16le, what Lavalink's AudioPlayer hands out
FRAME_SECONDS = 0.02
PROBE_BYTES = 4096


@dataclass
class Fetch:
    url: str
    headers: dict[str, str]
    purpose: str  # "probe" (loadtracks) or "play"
    status: int | None = None


@dataclass
class NodePlayer:
    guild_id: str
    voice: dict[str, Any] | None = None
    track: dict[str, Any] | None = None
    playing: asyncio.Task[None] | None = None
    started_at: float = 0.0
    frames: int = 0  # decoded 20 ms frames of the current/last track
    paused: bool = False
    volume: int = 100


@dataclass
class Session:
    id: str
    socket: web.WebSocketResponse | None = None
    resuming: bool = False
    timeout: int = 60
    players: dict[str, NodePlayer] = field(default_factory=dict)
    backlog: list[dict[str, Any]] = field(default_factory=list)  # events while disconnected
    expiry: asyncio.TimerHandle | None = None
    transport: asyncio.Transport | None = None


class LoopbackLavalink:
    def __init__(self, password: str = PASSWORD) -> None:
        self.password = password
        self.sessions: dict[str, Session] = {}
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, json body)
        self.handshakes: list[dict[str, str]] = []  # websocket request headers
        self.session_updates: list[dict[str, Any]] = []
        self.voice_updates: list[dict[str, Any]] = []
        self.fetches: list[Fetch] = []
        self.decoded_frames: dict[str, int] = {}  # guild → frames decoded over all its tracks
        self.events: list[dict[str, Any]] = []
        self.ffmpeg = find_ffmpeg() or "ffmpeg"
        self.after_load: Any = None  # test hook: called once a track has been loaded
        self.update_interval = 1.0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v4/websocket", self._websocket)
        app.router.add_get("/v4/info", self._info)
        app.router.add_get("/version", self._version)
        app.router.add_get("/v4/loadtracks", self._loadtracks)
        app.router.add_patch("/v4/sessions/{session}", self._update_session)
        app.router.add_patch("/v4/sessions/{session}/players/{guild}", self._update_player)
        app.router.add_delete("/v4/sessions/{session}/players/{guild}", self._destroy_player)
        app.router.add_get("/v4/sessions/{session}/players/{guild}", self._get_player)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # Lavalink's HTTP source: its own client, none of the bot's headers.
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for session in self.sessions.values():
            if session.expiry is not None:
                session.expiry.cancel()
            if session.socket is not None:
                await session.socket.close()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def player(self, guild_id: int) -> NodePlayer | None:
        for session in self.sessions.values():
            if str(guild_id) in session.players:
                return session.players[str(guild_id)]
        return None

    def event_types(self, guild_id: int) -> list[str]:
        return [
            f"{e['type']}:{e['reason']}" if e["type"] == "TrackEndEvent" else e["type"]
            for e in self.events
            if e["guildId"] == str(guild_id)
        ]

    async def restart(self) -> None:
        """The node process restarts: every session, player and track is gone."""
        for session in list(self.sessions.values()):
            for player in session.players.values():
                if player.playing is not None:
                    player.playing.cancel()
            transport = session.transport
            self._drop_session(session)
            if transport is not None:
                transport.abort()

    def cut_websockets(self) -> None:
        """A network cut (or a killed node): the TCP connection ends without a close frame."""
        for session in self.sessions.values():
            if session.transport is not None:
                session.transport.abort()

    async def voice_closed(self, guild_id: int, code: int, reason: str = "") -> None:
        """Discord closed the node's voice websocket for ``guild_id``."""
        session = self._session_of(str(guild_id))
        await self._emit(session, {
            "op": "event", "type": "WebSocketClosedEvent", "guildId": str(guild_id),
            "code": code, "reason": reason, "byRemote": True,
        })  # fmt: skip

    # -- auth -------------------------------------------------------------------------------

    def _check(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != self.password:
            raise web.HTTPUnauthorized(text=json.dumps(_error(401, "Unauthorized", request.path)))

    def _record(self, request: web.Request, body: Any = None) -> None:
        self.requests.append((request.method, request.path, body))

    # -- websocket --------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        self._check(request)
        if not request.headers.get("User-Id") or not request.headers.get("Client-Name"):
            raise web.HTTPBadRequest(text="User-Id and Client-Name are required")
        self.handshakes.append(dict(request.headers))
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        wanted = request.headers.get("Session-Id")
        session = self.sessions.get(wanted) if wanted else None
        resumed = session is not None and session.socket is None and session.resuming
        if not resumed:
            session = Session(secrets.token_hex(8))
            self.sessions[session.id] = session
        assert session is not None
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.socket = socket
        session.transport = request.transport  # type: ignore[assignment]
        await socket.send_json({"op": "ready", "resumed": resumed, "sessionId": session.id})
        await socket.send_json(self._stats())
        backlog, session.backlog = session.backlog, []
        for message in backlog:  # what happened while the client was away
            await socket.send_json(message)
        updater = self._spawn(self._player_updates(session, socket))
        try:
            async for _ in socket:
                pass  # clients send nothing on v4
        finally:
            updater.cancel()
            if session.socket is socket:
                session.socket = None
                self._keep_or_drop(session)
        return socket

    def _keep_or_drop(self, session: Session) -> None:
        if session.resuming:
            loop = asyncio.get_running_loop()
            session.expiry = loop.call_later(session.timeout, self._drop_session, session)
        else:
            self._drop_session(session)

    def _drop_session(self, session: Session) -> None:
        self.sessions.pop(session.id, None)
        for player in session.players.values():
            if player.playing is not None:
                player.playing.cancel()

    def _stats(self) -> dict[str, Any]:
        players = [p for s in self.sessions.values() for p in s.players.values()]
        return {
            "op": "stats",
            "players": len(players),
            "playingPlayers": sum(1 for p in players if p.track is not None),
            "uptime": 1000,
            "memory": {"free": 1, "used": 1, "allocated": 2, "reservable": 4},
            "cpu": {"cores": 2, "systemLoad": 0.1, "lavalinkLoad": 0.01},
        }

    async def _player_updates(self, session: Session, socket: web.WebSocketResponse) -> None:
        while not socket.closed:
            await asyncio.sleep(self.update_interval)
            for player in list(session.players.values()):
                await self._send_update(session, player)

    async def _send_update(self, session: Session, player: NodePlayer) -> None:
        if session.socket is None or session.socket.closed:
            return
        with contextlib.suppress(ConnectionResetError):
            await session.socket.send_json(
                {"op": "playerUpdate", "guildId": player.guild_id, "state": self._state(player)}
            )

    def _state(self, player: NodePlayer) -> dict[str, Any]:
        return {
            "time": int(time.time() * 1000),
            "position": int(player.frames * FRAME_SECONDS * 1000),
            "connected": player.voice is not None,
            "ping": 1 if player.voice is not None else -1,
        }

    async def _emit(self, session: Session, message: dict[str, Any]) -> None:
        if message.get("op") == "event":
            self.events.append(message)
        if session.socket is None or session.socket.closed:
            session.backlog.append(message)
            return
        with contextlib.suppress(ConnectionResetError):
            await session.socket.send_json(message)

    # -- REST -------------------------------------------------------------------------------

    async def _version(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.Response(text=VERSION)

    async def _info(self, request: web.Request) -> web.Response:
        self._check(request)
        self._record(request)
        major, minor, patch = (int(part) for part in VERSION.split("."))
        return web.json_response({
            "version": {"semver": VERSION, "major": major, "minor": minor, "patch": patch,
                        "preRelease": None, "build": None},
            "buildTime": 0,
            "git": {"branch": "loopback", "commit": "0" * 40, "commitTime": 0},
            "jvm": "21", "lavaplayer": "2.2.4",
            "sourceManagers": ["http"], "filters": [], "plugins": [],
        })  # fmt: skip

    def _session(self, request: web.Request) -> Session:
        session = self.sessions.get(request.match_info["session"])
        if session is None:
            raise web.HTTPNotFound(
                text=json.dumps(_error(404, "Session not found", request.path)),
                content_type="application/json",
            )
        return session

    def _session_of(self, guild_id: str) -> Session:
        for session in self.sessions.values():
            if guild_id in session.players:
                return session
        raise KeyError(guild_id)

    async def _update_session(self, request: web.Request) -> web.Response:
        self._check(request)
        session = self._session(request)
        body = await request.json()
        self._record(request, body)
        self.session_updates.append(body)
        if "resuming" in body:
            session.resuming = bool(body["resuming"])
        if "timeout" in body:
            session.timeout = int(body["timeout"])
        return web.json_response({"resuming": session.resuming, "timeout": session.timeout})

    async def _loadtracks(self, request: web.Request) -> web.Response:
        self._check(request)
        identifier = request.query.get("identifier", "")
        self._record(request, {"identifier": identifier})
        if not identifier.startswith(("http://", "https://")):
            return web.json_response({"loadType": "empty", "data": {}})
        fetch = Fetch(identifier, {}, "probe")
        self.fetches.append(fetch)
        try:
            async with self._http.get(identifier) as response:  # type: ignore[union-attr]
                fetch.status = response.status
                fetch.headers = dict(response.request_info.headers)
                if response.status >= 400:
                    return _load_error(f"Not success status code: {response.status}", "common")
                head = await response.content.read(PROBE_BYTES)
        except aiohttp.ClientError as error:
            failure = f"Connecting to the URL failed: {type(error).__name__}"
            return _load_error(failure, "suspicious")
        if not _looks_like_mp3(head):
            return _load_error("Unknown file format.", "suspicious")
        track = _track(identifier)
        if self.after_load is not None:
            self.after_load()
        return web.json_response({"loadType": "track", "data": track})

    async def _get_player(self, request: web.Request) -> web.Response:
        self._check(request)
        session = self._session(request)
        player = session.players.get(request.match_info["guild"])
        if player is None:
            raise web.HTTPNotFound(text=json.dumps(_error(404, "Player not found", request.path)))
        return web.json_response(self._player_json(player))

    async def _update_player(self, request: web.Request) -> web.Response:
        self._check(request)
        session = self._session(request)
        body = await request.json()
        self._record(request, body)
        guild = request.match_info["guild"]
        player = session.players.setdefault(guild, NodePlayer(guild))
        if "voice" in body:
            voice = body["voice"]
            # Lavalink 4.2 (DAVE) answers 400 to a voice state without the channel id.
            missing = [
                k for k in ("token", "endpoint", "sessionId", "channelId") if not voice.get(k)
            ]
            if missing:
                raise web.HTTPBadRequest(
                    text=json.dumps(_error(400, f"Missing {missing}", request.path)),
                    content_type="application/json",
                )
            player.voice = voice
            self.voice_updates.append({"guildId": guild, **voice})
        if "volume" in body and body["volume"] is not None:
            player.volume = int(body["volume"])
        if "paused" in body and body["paused"] is not None:
            player.paused = bool(body["paused"])
        no_replace = request.query.get("noReplace", "false").lower() == "true"
        if "track" in body:
            encoded = (body["track"] or {}).get("encoded", "missing")
            if encoded is None:
                await self._end(session, player, "stopped")
            elif encoded != "missing" and not (no_replace and player.track is not None):
                track = _decode(encoded)
                if track is None:
                    raise web.HTTPBadRequest(
                        text=json.dumps(_error(400, "Invalid encoded track", request.path)),
                        content_type="application/json",
                    )
                await self._end(session, player, "replaced")
                track["userData"] = (body["track"] or {}).get("userData") or {}
                player.track = track
                player.frames = 0
                player.playing = self._spawn(self._play(session, player, track))
        return web.json_response(self._player_json(player))

    async def _destroy_player(self, request: web.Request) -> web.Response:
        self._check(request)
        session = self._session(request)
        self._record(request)
        player = session.players.pop(request.match_info["guild"], None)
        if player is not None:
            await self._end(session, player, "cleanup")
        return web.Response(status=204)

    def _player_json(self, player: NodePlayer) -> dict[str, Any]:
        return {
            "guildId": player.guild_id,
            "track": player.track,
            "volume": player.volume,
            "paused": player.paused,
            "state": self._state(player),
            "voice": player.voice or {"token": "", "endpoint": "", "sessionId": ""},
            "filters": {},
        }

    # -- playback ---------------------------------------------------------------------------

    async def _end(self, session: Session, player: NodePlayer, reason: str) -> None:
        """The current track ends early (stopped, replaced, cleanup)."""
        task, track = player.playing, player.track
        player.playing, player.track = None, None
        if task is None or track is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await self._emit(session, _event("TrackEndEvent", player.guild_id, track, reason=reason))

    async def _play(self, session: Session, player: NodePlayer, track: dict[str, Any]) -> None:
        url = track["info"]["uri"]
        failure: str | None = None
        fetch = Fetch(url, {}, "play")
        self.fetches.append(fetch)
        process = await asyncio.create_subprocess_exec(
            self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-i", "pipe:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "pipe:1",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        feeder: asyncio.Task[None] | None = None
        try:
            async with self._http.get(url) as response:  # type: ignore[union-attr]
                fetch.status = response.status
                fetch.headers = dict(response.request_info.headers)
                if response.status >= 400:
                    failure = f"Not success status code: {response.status}"
                else:
                    feeder = self._spawn(_feed(response, process))
                    await self._pace(session, player, track, process)
                    await feeder
            if failure is None:
                stderr = (await process.stderr.read()).decode(errors="replace").strip()
                code = await process.wait()
                if code != 0 or player.frames == 0:
                    failure = f"Something broke when playing the track: {stderr[-200:] or code}"
        except aiohttp.ClientError as error:
            failure = f"Connecting to the URL failed: {type(error).__name__}"
        finally:
            if feeder is not None and not feeder.done():
                feeder.cancel()
            if process.returncode is None:
                process.kill()
                await process.wait()
        player.playing, player.track = None, None
        if failure is not None:
            await self._emit(session, {
                **_event("TrackExceptionEvent", player.guild_id, track),
                "exception": {"message": failure, "severity": "common",
                              "cause": f"java.io.IOException: {failure}"},
            })  # fmt: skip
            await self._emit(session, _event("TrackEndEvent", player.guild_id, track, "loadFailed"))
            return
        await self._emit(session, _event("TrackEndEvent", player.guild_id, track, "finished"))

    async def _pace(
        self, session: Session, player: NodePlayer, track: dict[str, Any], process: Any
    ) -> None:
        """Hand out decoded frames in real time, as the node's audio sender would."""
        pending = b""
        while True:
            data = await process.stdout.read(FRAME_BYTES * 5)
            if not data:
                return
            pending += data
            frames = len(pending) // FRAME_BYTES
            pending = pending[frames * FRAME_BYTES :]
            if not frames:
                continue
            if player.frames == 0:
                player.started_at = time.monotonic()
                await self._emit(session, _event("TrackStartEvent", player.guild_id, track))
            player.frames += frames
            self.decoded_frames[player.guild_id] = (
                self.decoded_frames.get(player.guild_id, 0) + frames
            )
            due = player.started_at + player.frames * FRAME_SECONDS
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


async def _feed(response: aiohttp.ClientResponse, process: Any) -> None:
    try:
        async for chunk in response.content.iter_any():
            process.stdin.write(chunk)
            await process.stdin.drain()
    except (ConnectionResetError, BrokenPipeError, aiohttp.ClientError):
        pass
    finally:
        with contextlib.suppress(Exception):
            process.stdin.close()


def _looks_like_mp3(head: bytes) -> bool:
    """Lavaplayer's container detection for MP3: an ID3 tag or an MPEG audio frame sync."""
    if head.startswith(b"ID3"):
        return True
    return any(
        head[i] == 0xFF and head[i + 1] & 0xE0 == 0xE0 for i in range(min(len(head) - 1, 1024))
    )


def _track(url: str) -> dict[str, Any]:
    info = {
        "identifier": url, "isSeekable": False, "author": "Unknown artist",
        "length": 9223372036854775807, "isStream": True, "position": 0,
        "title": "Unknown title", "uri": url, "artworkUrl": None, "isrc": None,
        "sourceName": "http",
    }  # fmt: skip
    encoded = base64.b64encode(json.dumps(info).encode()).decode()
    return {"encoded": encoded, "info": info, "pluginInfo": {}, "userData": {}}


def _decode(encoded: str) -> dict[str, Any] | None:
    try:
        info = json.loads(base64.b64decode(encoded))
    except ValueError:
        return None
    return {"encoded": encoded, "info": info, "pluginInfo": {}, "userData": {}}


def _event(kind: str, guild_id: str, track: dict[str, Any], reason: str | None = None) -> dict:
    message: dict[str, Any] = {"op": "event", "type": kind, "guildId": guild_id, "track": track}
    if reason is not None:
        message["reason"] = reason
    return message


def _load_error(message: str, severity: str) -> web.Response:
    return web.json_response({
        "loadType": "error",
        "data": {"message": message, "severity": severity,
                 "cause": f"com.sedmelluq.discord.lavaplayer.tools.FriendlyException: {message}"},
    })  # fmt: skip


def _error(status: int, message: str, path: str) -> dict[str, Any]:
    return {
        "timestamp": int(time.time() * 1000), "status": status, "error": message,
        "message": message, "path": path,
    }  # fmt: skip
