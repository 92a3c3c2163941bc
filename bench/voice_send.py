"""What the recording voice client leaves out, measured apart: discord.py's per-packet send path.

A real `discord.VoiceClient` wraps every 20 ms Opus packet in an RTP header, encrypts it
(`aead_xchacha20_poly1305_rtpsize`, PyNaCl) and writes it to its UDP socket. This runs exactly
that method, `VoiceClient.send_audio_packet(encode=False)`, on a client whose connection state is
a loopback UDP socket with a fixed key — no gateway, no DAVE session (DAVE's end-to-end layer, a
Rust library, would add its own cost per packet; it is not measured here).
"""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

import discord
from vocu_discord.audio import OPUS_BITRATE_KBPS

FRAMES_PER_SECOND = 50
# one 20 ms frame at the bot's bitrate
PACKET_BYTES = OPUS_BITRATE_KBPS * 1000 // 8 // FRAMES_PER_SECOND
PACKETS = 5000


def send_cost_per_guild(packets: int = PACKETS, packet_bytes: int = PACKET_BYTES) -> float:
    """Share of one core one speaking guild spends encrypting and sending its packets."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out,
    ):
        sink.bind(("127.0.0.1", 0))
        out.connect(sink.getsockname())
        client = discord.VoiceClient.__new__(discord.VoiceClient)
        client.sequence = client.timestamp = client._incr_nonce = 0
        client._connection = SimpleNamespace(  # type: ignore[assignment]
            dave_session=None,
            can_encrypt=False,
            ssrc=1,
            mode="aead_xchacha20_poly1305_rtpsize",
            secret_key=list(range(32)),
            send_packet=out.send,
        )
        payload = bytes(packet_bytes)
        started = time.process_time()
        for _ in range(packets):
            client.send_audio_packet(payload, encode=False)
            if client.sequence % 100 == 0:  # keep the sink's buffer from filling (drops are free)
                while True:
                    try:
                        sink.recv(4096, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
        spent = time.process_time() - started
    return spent / packets * FRAMES_PER_SECOND
