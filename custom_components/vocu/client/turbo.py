"""The low-latency "turbo" WebSocket: text in, hex-encoded PCM out (reference §1.6.5).

Parts of this protocol were never captured in public docs; where this module guesses, a comment
says so and both plausible readings are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from . import errors
from ._http import Transport, build_error, network_error
from .models import DEFAULT_STYLE_ID, TurboChannel

_LOGGER = logging.getLogger(__name__)

PING_INTERVAL = 20.0  # an idle connection is reclaimed after about a minute (V-WS-ZH)
NOT_READY_TEXT = "Waiting for Turbo Channel to be ready"
CONNECT_ATTEMPTS = 5
# End-of-segment message: its JSON was "not captured". An `audio_chunk` with empty `hex` is the
# documented end marker; these message types are accepted as well (inferred names).
_END_TYPES = frozenset({"end", "segment_end", "synthesis_end", "done", "finished", "completed"})


def _body(message: Mapping[str, Any]) -> Mapping[str, Any]:
    data = message.get("data")
    return data if isinstance(data, Mapping) else message


class TurboSession:
    """A connected turbo channel: ``synthesize`` yields raw PCM bytes for one text at a time."""

    def __init__(
        self, transport: Transport, websocket: aiohttp.ClientWebSocketResponse, channel_id: str
    ) -> None:
        self._transport = transport
        self._ws = websocket
        self.channel_id = channel_id
        self.pcm_format: dict[str, Any] = {}
        self._lock = asyncio.Lock()  # requests are queued server-side; we read one answer at a time
        self._pinger = asyncio.create_task(self._keep_alive(), name="vocu-turbo-ping")

    def __repr__(self) -> str:
        return f"<TurboSession channel={self.channel_id}>"

    async def _keep_alive(self) -> None:
        # "Send ping periodically" (V-WS-ZH); the message shape is inferred: a JSON {"type":"ping"}
        # plus a protocol-level ping, so either reading keeps the connection alive.
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
            while not self._ws.closed:
                await asyncio.sleep(PING_INTERVAL)
                await self._ws.send_json({"type": "ping"})
                await self._ws.ping()

    async def close(self) -> None:
        self._pinger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pinger
        if not self._ws.closed:
            await self._ws.close()

    async def synthesize(self, text: str, style_id: str = DEFAULT_STYLE_ID) -> AsyncIterator[bytes]:
        if not text.strip():
            raise errors.ValidationError("the text to speak is empty", code="TTS_TEXT_EMPTY")
        async with self._lock:
            await self._ws.send_json(
                {"type": "synthesis_request", "data": {"text": text, "promptId": style_id}}
            )
            received = 0
            while True:
                message = await self._receive(received)
                kind = message.get("type")
                kind = kind if isinstance(kind, str) else None  # a list type must not crash `in`
                body = _body(message)
                if kind in ("pong", "connected"):
                    continue
                if kind == "error" or (
                    isinstance(body.get("status"), int) and body["status"] >= 300
                ):
                    raise self._transport.scrub(_error_from(body))
                if kind in _END_TYPES:
                    return
                if kind != "audio_chunk":
                    _LOGGER.debug(
                        "turbo: ignoring message type %r", self._transport.redact(str(kind))
                    )
                    continue
                if isinstance(body.get("pcm"), Mapping):
                    self.pcm_format = dict(body["pcm"])
                hex_data = body.get("hex") or ""
                if not hex_data:
                    return
                if not isinstance(hex_data, str):
                    raise errors.UnexpectedResponseError(
                        "unexpected answer from the service: turbo audio chunk is not text",
                        provider=self._transport.provider,
                    )
                try:
                    pcm = bytes.fromhex(hex_data)
                except ValueError:
                    raise errors.InvalidAudioError("turbo: audio chunk is not hex") from None
                received += len(pcm)
                yield pcm

    async def _receive(self, received: int) -> dict[str, Any]:
        try:
            async with asyncio.timeout(
                self._transport.timeouts.idle if received else self._transport.timeouts.first_byte
            ):
                msg = await self._ws.receive()
        except TimeoutError:
            raise errors.ServiceTimeoutError("turbo: no audio in time") from None
        if msg.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.ERROR,
        ):
            raise errors.StreamInterruptedError(
                f"turbo: connection closed after {received} bytes", bytes_received=received
            )
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return {}
        try:
            decoded = json.loads(msg.data)
        except (ValueError, RecursionError):
            return {"type": "text", "data": {"message": msg.data}}
        return decoded if isinstance(decoded, dict) else {}


def _error_from(body: Mapping[str, Any]) -> errors.VoiceServiceError:
    status = body.get("status")
    if not isinstance(status, int):
        status = 500
    return build_error(status, json.dumps(dict(body)).encode(), {})


async def connect_turbo(transport: Transport, channel: TurboChannel) -> TurboSession:
    """Connect to the channel's ``wsUrl`` and wait for ``connected``.

    The wsUrl is a capability handed out by the service, so the key is not sent to it.
    "Waiting for Turbo Channel to be ready" means reconnect in about a second (R-WS).
    """
    if not channel.ws_url:
        raise errors.ServerError("the service returned no WebSocket URL for the turbo channel")
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            async with asyncio.timeout(transport.timeouts.connect):
                websocket = await transport.session().ws_connect(channel.ws_url)
                first = await websocket.receive()
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 404:
                raise errors.NotFoundError(
                    "turbo channel expired or unknown; open a new one", status=404
                ) from None
            raise network_error(exc, "turbo connect") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise network_error(exc, "turbo connect") from None
        text = first.data if first.type is aiohttp.WSMsgType.TEXT else ""
        if NOT_READY_TEXT in text and attempt + 1 < CONNECT_ATTEMPTS:
            await websocket.close()
            await asyncio.sleep(1.0)
            continue
        try:
            message = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            message = {}
        if isinstance(message, dict) and message.get("type") == "connected":
            return TurboSession(transport, websocket, channel.id)
        await websocket.close()
        raise errors.ServiceConnectionError("turbo: the channel did not confirm the connection")
    raise errors.ServiceConnectionError("turbo: the channel never became ready")
