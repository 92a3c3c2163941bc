"""FFmpeg sources on signed URLs, Opus packet arithmetic and the Ogg Opus writer (real FFmpeg)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import subprocess
import threading
from pathlib import Path

import discord
import pytest
from mutagen.mp3 import MP3
from vocu_client.providers import VoiceProvider
from vocu_discord.audio import (
    SignedStreamOpusAudio,
    StreamSourceFactory,
    find_ffmpeg,
    is_ogg_header_packet,
    opus_packet_samples,
)
from vocu_discord.ogg_opus import ogg_crc, write_ogg_opus
from vocu_discord.speech_queue import SpeechItem
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle

TEXT = "Reading a short sentence through FFmpeg."


def process_gone(pid: int | None) -> bool:
    """True once the process was killed AND reaped (a zombie still has its /proc entry)."""
    return pid is not None and not Path(f"/proc/{pid}").exists()


def read_all(source: discord.AudioSource) -> list[bytes]:
    packets = []
    while packet := source.read():
        if not is_ogg_header_packet(packet):
            packets.append(packet)
    return packets


def decoded_seconds(ffmpeg: str, path: Path) -> float:
    """Decode ``path`` completely with FFmpeg; fail on any decoder error; return its duration."""
    completed = subprocess.run(
        [ffmpeg, "-hide_banner", "-v", "error", "-stats", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    errors = [line for line in completed.stderr.splitlines() if "rror" in line]
    assert errors == [], errors
    times = re.findall(r"time=(\d+):(\d+):(\d+\.\d+)", completed.stderr)
    hours, minutes, seconds = times[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


async def test_source_streams_the_whole_utterance_without_leaking_the_url(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    factory = StreamSourceFactory()
    prepared = await factory(paid_client, SpeechItem(text=TEXT, voice_id=seed.ALICE_ID))
    try:
        packets = await asyncio.to_thread(read_all, prepared.source)
    finally:
        prepared.discard()
    assert prepared.result and prepared.result.playable_url
    mp3 = await paid_client.client.download(prepared.result.playable_url)
    expected = MP3(io.BytesIO(mp3)).info.length
    assert sum(map(opus_packet_samples, packets)) / 48_000 == pytest.approx(expected, abs=0.12)

    auth = prepared.result.playable_url.split("auth=", 1)[1]
    assert auth not in caplog.text and seed.PAID_TOKEN not in caplog.text
    assert "Spawning FFmpeg" in caplog.text and "REDACTED" in caplog.text
    assert process_gone(factory.spawned_pids[0])


class SlowSpawnFactory(StreamSourceFactory):
    """Holds the spawn thread until the test has cancelled the caller, then spawns for real."""

    def __init__(self) -> None:
        super().__init__()
        self.spawning = threading.Event()
        self.release = threading.Event()
        self.pids: list[int | None] = []

    def _open(self, url: str) -> SignedStreamOpusAudio:
        self.spawning.set()
        self.release.wait(10)
        source = super()._open(url)
        self.pids.append(source.pid)
        return source


async def test_cancel_during_spawn_still_reaps_the_process(
    vocu_emulator: EmulatorHandle, paid_client: VoiceProvider
) -> None:
    factory = SlowSpawnFactory()
    task = asyncio.create_task(factory(paid_client, SpeechItem(text=TEXT, voice_id=seed.BOB_ID)))
    await asyncio.to_thread(factory.spawning.wait, 30)
    task.cancel()
    await asyncio.sleep(0.05)
    factory.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    (pid,) = factory.pids
    assert process_gone(pid)  # it was spawned, then killed and reaped
    assert list(factory.spawned_pids) == []  # never handed out


@pytest.mark.parametrize(
    ("packet", "samples"),
    [
        (bytes([0xFC, 0]), 960),  # CELT 20 ms, one frame
        (bytes([0xF8 | 1, 0]), 1920),  # CELT 20 ms, two frames
        (bytes([(1 << 3) | 0]), 960),  # SILK 20 ms
        (bytes([(3 << 3) | 3, 3]), 3 * 2880),  # SILK 60 ms, three frames (code 3)
        (bytes([(16 << 3)]), 120),  # CELT 2.5 ms
        (b"", 0),
    ],
)
def test_opus_packet_samples(packet: bytes, samples: int) -> None:
    assert opus_packet_samples(packet) == samples


def test_ogg_crc_matches_the_reference_vector() -> None:
    # CRC-32/MPEG-2 polynomial without final xor/reflection, as Ogg uses: check value of "123456789"
    assert ogg_crc(b"123456789") == 0x89A1897F


def test_ogg_writer_output_decodes_with_ffmpeg(tmp_path: Path, ffmpeg_exe: str) -> None:
    tone = tmp_path / "tone.mp3"
    subprocess.run(
        [
            ffmpeg_exe,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:duration=3",
            "-c:a",
            "libmp3lame",
            str(tone),
        ],
        check=True,
        timeout=60,
    )
    from discord import FFmpegOpusAudio  # noqa: PLC0415 - only this test needs the raw class

    source = FFmpegOpusAudio(str(tone), executable=ffmpeg_exe)
    try:
        packets = read_all(source)
    finally:
        source.cleanup()
    # two copies back to back, like two queued items
    out = write_ogg_opus(tmp_path / "out.ogg", packets * 2)
    assert decoded_seconds(ffmpeg_exe, out) == pytest.approx(6.0, abs=0.1)


def test_find_ffmpeg_prefers_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ffmpeg() == str(fake)
    monkeypatch.setenv("PATH", "")
    bundled = find_ffmpeg()
    assert bundled and "imageio_ffmpeg" in bundled


def test_a_signed_url_is_replayable_until_its_stated_expiry_or_the_window() -> None:
    from vocu_discord.audio import (  # noqa: PLC0415
        SIGNED_URL_EXPIRY_MARGIN,
        SIGNED_URL_REPLAY_WINDOW,
        signed_url_deadline,
    )

    stated = "https://cdn.example/a.mp3?Expires=2000000000&Signature=abc"
    assert signed_url_deadline(stated, now=1.0) == 2000000000 - SIGNED_URL_EXPIRY_MARGIN
    vocu = "http://127.0.0.1/api/tts/stream/abc?auth=uuid"  # no stated lifetime
    assert signed_url_deadline(vocu, now=1000.0) == 1000.0 + SIGNED_URL_REPLAY_WINDOW
