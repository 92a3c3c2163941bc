"""The MP3 frame walker that judges whether an answer ended on a whole frame.

Real encoder output (FFmpeg from the imageio-ffmpeg wheel) for each MPEG version and layer the
services may send, fed in awkward chunk sizes: a whole stream ends on a frame with its duration
counted, a stream cut short by even one byte does not.
"""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest
from vocu_client.mp3 import FrameWalker, frame_info


def _encode(rate: int, codec: str, fmt: str) -> bytes:
    return subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
            "-i", "sine=frequency=440:duration=1", "-ac", "1", "-ar", str(rate),
            "-c:a", codec, "-f", fmt, "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout  # fmt: skip


def _walk(data: bytes, chunk: int) -> FrameWalker:
    walker = FrameWalker()
    for start in range(0, len(data), chunk):
        walker.feed(data[start : start + chunk])
    return walker


@pytest.mark.parametrize(
    ("rate", "codec", "fmt"),
    [
        (22050, "libmp3lame", "mp3"),  # MPEG-2 layer III behind an ID3v2 tag
        (8000, "libmp3lame", "mp3"),  # MPEG-2.5 layer III
        (44100, "mp2", "mp2"),  # MPEG-1 layer II
    ],
)
def test_whole_stream_ends_on_a_frame_and_a_cut_one_does_not(
    rate: int, codec: str, fmt: str
) -> None:
    data = _encode(rate, codec, fmt)
    for chunk in (1, 3, 7, 4096):  # headers and the ID3 size split across chunks
        whole = _walk(data, chunk)
        assert not whole.lost
        assert whole.ends_on_frame
        assert 0.9 < whole.seconds < 1.3  # one second of audio, plus encoder padding
        cut = _walk(data[:-1], chunk)
        assert not cut.ends_on_frame


def test_layer_one_frame_length() -> None:
    # MPEG-1 layer I, 32 kbit/s, 44.1 kHz, no padding: (12 * 32000 // 44100) slots of 4 bytes.
    assert frame_info(b"\xff\xff\x10\x00") == (32, 384 / 44100)
    frame = b"\xff\xff\x10\x00" + b"\x00" * 28
    walker = _walk(frame * 3, 5)
    assert walker.ends_on_frame and walker.seconds == pytest.approx(3 * 384 / 44100)


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xfb",  # too short
        b"\x00\xfb\x90\x64",  # no sync
        b"\xff\xeb\x90\x64",  # reserved version
        b"\xff\xf9\x90\x64",  # reserved layer
        b"\xff\xfb\x00\x64",  # free-format bitrate
        b"\xff\xfb\xf0\x64",  # bad bitrate
        b"\xff\xfb\x9c\x64",  # reserved sample rate
    ],
)
def test_not_a_frame_header(header: bytes) -> None:
    assert frame_info(header) is None


def test_junk_after_frames_loses_sync_and_stays_lost() -> None:
    """Not MPEG after all: the walker gives up instead of claiming a truncation."""
    data = _encode(22050, "libmp3lame", "mp3")
    walker = _walk(data + b"<html>proxy error page</html>", 4096)
    assert walker.lost and walker.ends_on_frame
    walker.feed(data)  # ignored once lost
    assert walker.lost
