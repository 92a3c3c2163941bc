"""A voice server: TLS websocket handshake, UDP IP discovery, and a counter of received RTP.

It negotiates DAVE protocol version 0 (passthrough, no MLS), so audio arrives encrypted only with
the transport mode. ``close_next_identify`` / ``close_sessions`` send close codes on demand
(4017 "DAVE required", 4006 "session no longer valid", ...).
"""

# ruff: noqa: E501  (Discord payloads are kept one field group a line)
from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

IDENTIFY, SELECT_PROTOCOL, READY, HEARTBEAT, SESSION_DESCRIPTION, SPEAKING = 0, 1, 2, 3, 4, 5
HEARTBEAT_ACK, RESUME, HELLO, RESUMED = 6, 7, 8, 9
MODES = ["aead_xchacha20_poly1305_rtpsize", "xsalsa20_poly1305_lite"]
RTP_VERSION_BITS = 0x80
OPUS_PAYLOAD_TYPE = 0x78


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: VoiceServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) == 74 and data[1] == 0x01:  # IP discovery request
            ssrc = struct.unpack_from(">I", data, 4)[0]
            answer = bytearray(74)
            struct.pack_into(">HHI", answer, 0, 2, 70, ssrc)
            answer[8 : 8 + len(addr[0])] = addr[0].encode()
            struct.pack_into(">H", answer, 72, addr[1])
            assert self.transport is not None
            self.transport.sendto(bytes(answer), addr)
        elif len(data) > 12 and data[0] & 0xC0 == RTP_VERSION_BITS:
            self.server.rtp_received(data)


class VoiceServer:
    def __init__(self) -> None:
        self.port = 0
        self.udp_port = 0
        self.rtp_packets = 0
        self.audio_threshold = 10  # packets (20 ms each) that count as "audio arrived"
        self.audio_arrived = asyncio.Event()
        self.identifies: list[dict[str, Any]] = []
        self.sessions: list[web.WebSocketResponse] = []
        self.close_next_identify: list[int] = []  # close codes for the next IDENTIFYs, in order
        self._udp: asyncio.DatagramTransport | None = None
        self._ssrc = 4242

    def rtp_received(self, packet: bytes) -> None:
        if packet[1] & 0x7F == OPUS_PAYLOAD_TYPE:
            self.rtp_packets += 1
            if self.rtp_packets >= self.audio_threshold:
                self.audio_arrived.set()

    async def start_udp(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=("127.0.0.1", 0), family=socket.AF_INET
        )
        self._udp = transport
        self.udp_port = transport.get_extra_info("sockname")[1]

    def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
        assert self._udp is not None
        self._udp.sendto(data, address)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        session = web.WebSocketResponse()
        await session.prepare(request)
        self.sessions.append(session)
        await session.send_json({"op": HELLO, "d": {"heartbeat_interval": 13_750}})
        async for frame in session:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            op, data = message["op"], message.get("d")
            if op == IDENTIFY:
                self.identifies.append(data)
                if self.close_next_identify:
                    await session.close(code=self.close_next_identify.pop(0))
                    break
                self._ssrc += 1
                await session.send_json(
                    {"op": READY, "d": {
                        "ssrc": self._ssrc, "ip": "127.0.0.1", "port": self.udp_port, "modes": MODES,
                    }}
                )  # fmt: skip
            elif op == SELECT_PROTOCOL:
                await session.send_json(
                    {"op": SESSION_DESCRIPTION, "d": {
                        "mode": data["data"]["mode"], "secret_key": list(os.urandom(32)),
                        "dave_protocol_version": 0,
                    }}
                )  # fmt: skip
            elif op == HEARTBEAT:
                await session.send_json({"op": HEARTBEAT_ACK, "d": data})
            elif op == RESUME:
                await session.send_json({"op": RESUMED, "d": None})
        self.sessions.remove(session)
        return session

    async def close_sessions(self, code: int) -> None:
        """Discord ends the voice session (e.g. 4006 invalid session, 4014 disconnected)."""
        for session in list(self.sessions):
            await session.close(code=code)

    async def close(self) -> None:
        await self.close_sessions(WSCloseCode.GOING_AWAY)
        if self._udp is not None:
            self._udp.close()
