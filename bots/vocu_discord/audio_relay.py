"""Short-lived, unguessable URLs for audio the bot holds, so Lavalink nodes can fetch it.

A service without key-free URLs (Noiz) streams its audio only to a request carrying the API key,
and a Lavalink node must never hold that key. The bot pulls the stream itself (the key stays in
its HTTP client) and serves the bytes at ``{public_url}/relay/{token}.mp3``: the token is 256
random bits, the URL expires after ``ttl`` seconds, and within that time it can be fetched again
and again, with HTTP Range, as Lavalink's HTTP source does when it probes, plays and seeks. The
bytes go to a temporary file as they arrive (never a whole answer in memory), and a first GET is
answered while the service is still sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
# A Range request waits for the whole clip (its length is only known then); TTS clips are short.
RANGE_WAIT_SECONDS = 60.0
READ_CHUNK = 16 * 1024


@dataclass(eq=False)
class RelayedAudio:
    """One clip being relayed: its bytes so far, whether the service has finished sending."""

    token: str
    expires_at: float  # wall clock (time.time())
    file: IO[bytes] = field(default_factory=tempfile.TemporaryFile)
    size: int = 0
    complete: bool = False
    fetches: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    pump: asyncio.Task[None] | None = None

    def append(self, chunk: bytes) -> None:
        os.pwrite(self.file.fileno(), chunk, self.size)
        self.size += len(chunk)
        self._wake()

    def finish(self) -> None:
        self.complete = True
        self._wake()

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.file.fileno(), length, offset)

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def close(self) -> None:
        if self.pump is not None and not self.pump.done():
            self.pump.cancel()
        self.file.close()


class AudioRelay:
    """The bot's small HTTP server for relayed audio. One per process, shared by every guild."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        ttl: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.ttl = ttl
        self._public_url = public_url.rstrip("/") if public_url else None
        self._clips: dict[str, RelayedAudio] = {}
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def public_url(self) -> str:
        """Where Lavalink nodes reach this server (configured; else the bound address)."""
        return self._public_url or f"http://{self.host}:{self.port}"

    @property
    def clips(self) -> int:
        return len(self._clips)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/relay/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)  # the path is a capability: no log
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None and server.sockets:  # type: ignore[union-attr]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._sweeper = asyncio.create_task(self._sweep(), name="vocu-relay-expiry")

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for clip in self._clips.values():
            clip.close()
        self._clips.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def offer(self, first: bytes, rest: AsyncIterator[bytes]) -> tuple[str, RelayedAudio]:
        """Serve ``first`` + ``rest`` (pulled from now on); returns the URL and the clip."""
        token = secrets.token_urlsafe(32)
        clip = RelayedAudio(token, time.time() + self.ttl)
        clip.append(first)
        clip.pump = asyncio.create_task(_pump(rest, clip), name="vocu-relay-pump")
        self._clips[token] = clip
        return f"{self.public_url}/relay/{token}.mp3", clip

    def _find(self, name: str) -> RelayedAudio | None:
        clip = self._clips.get(name.removesuffix(".mp3"))
        if clip is None:
            return None
        if time.time() >= clip.expires_at:
            self._drop(clip)
            return None
        return clip

    def _drop(self, clip: RelayedAudio) -> None:
        self._clips.pop(clip.token, None)
        clip.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(self.ttl, 30.0))
            now = time.time()
            for clip in [c for c in self._clips.values() if now >= c.expires_at]:
                self._drop(clip)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        clip = self._find(request.match_info["name"])
        if clip is None:
            raise web.HTTPNotFound()  # unknown and expired look the same: nothing to learn
        clip.fetches += 1
        headers = {
            "Content-Type": "audio/mpeg",
            "Accept-Ranges": "bytes",
            "Cache-Control": "no-store",
        }
        if "Range" in request.headers:
            return await self._serve_range(request, clip, headers)
        response = web.StreamResponse(headers=headers)
        if clip.complete:
            response.content_length = clip.size
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        offset = 0
        with contextlib.suppress(ConnectionResetError):
            while True:
                if offset < clip.size:
                    chunk = clip.read(offset, min(READ_CHUNK, clip.size - offset))
                    offset += len(chunk)
                    await response.write(chunk)
                    continue
                if clip.complete:
                    break
                await clip.changed.wait()
            await response.write_eof()
        return response

    async def _serve_range(
        self, request: web.Request, clip: RelayedAudio, headers: dict[str, str]
    ) -> web.StreamResponse:
        try:
            wanted = request.http_range
        except ValueError:
            raise web.HTTPRequestRangeNotSatisfiable() from None
        async with asyncio.timeout(RANGE_WAIT_SECONDS):
            while not clip.complete:
                await clip.changed.wait()
        start, stop, _ = wanted.indices(clip.size)
        if wanted.start is not None and wanted.start >= clip.size:
            raise web.HTTPRequestRangeNotSatisfiable(
                headers={"Content-Range": f"bytes */{clip.size}"}
            )
        body = clip.read(start, max(0, stop - start))
        headers["Content-Range"] = f"bytes {start}-{start + len(body) - 1}/{clip.size}"
        return web.Response(status=206, body=body, headers=headers)


async def _pump(rest: AsyncIterator[bytes], clip: RelayedAudio) -> None:
    """The rest of the service's stream into the clip; a failure ends the clip early."""
    try:
        async for chunk in rest:
            if chunk:
                clip.append(chunk)
    except asyncio.CancelledError:
        raise
    except Exception as err:  # already playing: it ends where the stream broke
        _LOGGER.warning("Relayed speech stream broke off: %s", type(err).__name__)
    finally:
        clip.finish()
        with contextlib.suppress(Exception):
            await rest.aclose()  # type: ignore[attr-defined]
