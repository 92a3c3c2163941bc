"""The Discord demo: the real player records what it would send into a decodable Ogg Opus file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from mutagen.mp3 import MP3
from test_audio import decoded_seconds
from vocu_client.providers import VoiceProvider
from vocu_discord.demo import DEMO_FILENAME, record_demo, record_demo_session
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle

TEXTS = ["Hello from the Discord demo.", "This is the second sentence.", "And the last one."]


async def test_record_demo_writes_an_ogg_as_long_as_the_items(
    vocu_emulator: EmulatorHandle, paid_client: VoiceProvider, tmp_path: Path, ffmpeg_exe: str
) -> None:
    recording = await record_demo_session(
        vocu_emulator.base_url, seed.PAID_TOKEN, seed.BOB_ID, TEXTS, tmp_path, realtime=False
    )
    assert recording.path == tmp_path / DEMO_FILENAME
    assert recording.errors == ()
    assert len(recording.segments) == len(TEXTS)

    # every item the emulator generated, decoded by mutagen, against what FFmpeg decodes
    expected = 0.0
    for request in vocu_emulator.requests:
        if request.path.startswith("/api/tts/stream/"):
            url = vocu_emulator.url(request.path) + "?auth=" + request.query["auth"]
            expected += MP3(io.BytesIO(await paid_client.client.download(url))).info.length
    assert expected > 2.0
    assert decoded_seconds(ffmpeg_exe, recording.path) == pytest.approx(expected, abs=0.3)
    assert recording.duration == pytest.approx(expected, abs=0.3)

    # timing hooks the benchmark reads (values are measured in bench/, not asserted here)
    assert recording.time_to_first_frame is not None and recording.time_to_first_frame > 0
    assert len(recording.gaps) == len(TEXTS) - 1


@pytest.mark.slow
async def test_record_demo_in_real_time_to_a_named_file(
    vocu_emulator: EmulatorHandle, tmp_path: Path, ffmpeg_exe: str
) -> None:
    out = tmp_path / "nested" / "demo-discord.ogg"
    path = await record_demo(vocu_emulator.base_url, seed.PAID_TOKEN, seed.ALICE_ID, TEXTS[:2], out)
    assert path == out
    assert decoded_seconds(ffmpeg_exe, path) > 1.0
