"""Write raw Opus packets into an Ogg Opus file (RFC 3533 framing, RFC 7845 mapping).

Used to keep what the bot would have sent to Discord: the packets are exactly the ones the voice
client received, so the file is a faithful recording, decodable by FFmpeg or any player.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .audio import opus_packet_samples

SAMPLE_RATE = 48_000
# libopus's usual encoder delay; FFmpeg's Opus output declares the same pre-skip.
DEFAULT_PRE_SKIP = 312
MAX_SEGMENTS_PER_PAGE = 255
PACKETS_PER_PAGE = 50  # one page per second of 20 ms packets: small pages, little overhead

_FLAG_CONTINUED = 0x01
_FLAG_BOS = 0x02
_FLAG_EOS = 0x04


def _crc_table() -> list[int]:
    table = []
    for index in range(256):
        crc = index << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value and final xor 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[((crc >> 24) ^ byte) & 0xFF]
    return crc


def _lacing(packet: bytes) -> bytes:
    full, rest = divmod(len(packet), 255)
    return bytes([255] * full + [rest])


class OggOpusWriter:
    """Stream Opus packets into an Ogg page sequence on ``out``."""

    def __init__(
        self,
        out: BinaryIO,
        *,
        channels: int = 2,
        pre_skip: int = DEFAULT_PRE_SKIP,
        serial: int = 0x566F6375,  # "Vocu"
        vendor: str = "vocu-voice",
    ) -> None:
        self._out = out
        self._serial = serial
        self._sequence = 0
        self._granule = 0
        self._pending: list[bytes] = []
        head = struct.pack("<8sBBHIhB", b"OpusHead", 1, channels, pre_skip, SAMPLE_RATE, 0, 0)
        vendor_bytes = vendor.encode()
        tags = (
            b"OpusTags" + struct.pack("<I", len(vendor_bytes)) + vendor_bytes + struct.pack("<I", 0)
        )
        self._write_page([head], granule=0, flags=_FLAG_BOS)
        self._write_page([tags], granule=0, flags=0)

    def write(self, packet: bytes) -> None:
        if not packet:
            return
        segments = sum(len(_lacing(p)) for p in self._pending) + len(_lacing(packet))
        if self._pending and (
            segments > MAX_SEGMENTS_PER_PAGE or len(self._pending) >= PACKETS_PER_PAGE
        ):
            self._flush(flags=0)
        self._pending.append(packet)
        self._granule += opus_packet_samples(packet, SAMPLE_RATE)

    def close(self) -> None:
        """Write the last page, flagged end-of-stream (an empty one if nothing is pending)."""
        self._flush(flags=_FLAG_EOS, force=True)

    def _flush(self, *, flags: int, force: bool = False) -> None:
        if self._pending or force:
            self._write_page(self._pending, granule=self._granule, flags=flags)
            self._pending = []

    def _write_page(self, packets: list[bytes], *, granule: int, flags: int) -> None:
        lacing = b"".join(_lacing(p) for p in packets)
        header = struct.pack(
            "<4sBBqIIIB", b"OggS", 0, flags, granule, self._serial, self._sequence, 0, len(lacing)
        )
        page = bytearray(header + lacing + b"".join(packets))
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        self._out.write(page)
        self._sequence += 1


def write_ogg_opus(path: Path, packets: Iterable[bytes], *, channels: int = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer = OggOpusWriter(out, channels=channels)
        for packet in packets:
            writer.write(packet)
        writer.close()
    return path
