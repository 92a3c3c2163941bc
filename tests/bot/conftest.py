"""Shared fixtures for the Discord bot tests: a real client aimed at the emulator, real FFmpeg.

Nothing of ours is mocked. The only stand-in is the voice connection: `RecordingVoiceClient` pulls
20 ms Opus frames from the real `FFmpegOpusAudio` in a thread, as discord's AudioPlayer does, and
records them instead of sending them to a Discord voice server (none is reachable here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from vocu_client.providers import VoiceProvider, create_provider
from vocu_discord.audio import find_ffmpeg
from vocu_discord.recording import RecordingVoiceClient
from vocu_discord.settings import SettingsRepository, open_settings
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle


@pytest.fixture
def ffmpeg_exe() -> str:
    """The FFmpeg binary the bot would use (PATH first, then the imageio-ffmpeg wheel's)."""
    exe = find_ffmpeg()
    assert exe, "FFmpeg is part of the test environment (imageio-ffmpeg)"
    return exe


@pytest.fixture
async def paid_client(vocu_emulator: EmulatorHandle) -> AsyncIterator[VoiceProvider]:
    """The real Vocu provider with the emulator's paid token; closed after the test."""
    client = create_provider("vocu", seed.PAID_TOKEN, base_url=vocu_emulator.base_url)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def recording_voice_client() -> Iterator[RecordingVoiceClient]:
    """A voice client that plays as fast as FFmpeg delivers; its audio threads end by teardown."""
    voice = RecordingVoiceClient(realtime=False)
    try:
        yield voice
    finally:
        voice.stop()
        voice.join(timeout=10)


@pytest.fixture
def realtime_voice_client() -> Iterator[RecordingVoiceClient]:
    """A voice client paced at 20 ms a frame like discord's AudioPlayer (for ordering tests)."""
    voice = RecordingVoiceClient(realtime=True)
    try:
        yield voice
    finally:
        voice.stop()
        voice.join(timeout=10)


@pytest.fixture
def bot_database_url(tmp_path: Path) -> str:
    """The database of the `world` fixture; a test module may override it (e.g. PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
async def repository(
    request: pytest.FixtureRequest, tmp_path: Path, socket_enabled: None
) -> AsyncIterator[SettingsRepository]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_dsn")
    repo = await open_settings(url)
    try:
        if request.param == "postgres":  # the session cluster is shared: start every test empty
            for table in ("guild_settings", "user_settings", "pronunciations", "char_usage"):
                await repo._execute(f"DELETE FROM {table}")
        yield repo
    finally:
        await repo.close()
