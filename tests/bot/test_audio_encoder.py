"""The Opus encoder settings the bot really starts FFmpeg with, and what those packets are.

Through the real player, real FFmpeg and the recording voice client, for both ways audio reaches
FFmpeg (a signed URL from Vocu, a pipe for Noiz): the command line carries the speech settings of
`vocu_discord.audio`, and the packets show them — mono, 20 ms, in a mode that carries in-band FEC
(SILK or hybrid: libopus drops to CELT-only, without FEC, when it judges FEC not worth it) — and
decode back to the whole utterance with FFmpeg.
"""

from __future__ import annotations

import array
import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from vocu_client.providers import VoiceProvider, create_provider
from vocu_discord.audio import (
    DEFAULT_OPUS_COMPLEXITY,
    OPUS_BITRATE_KBPS,
    StreamSourceFactory,
    with_output_channels,
)
from vocu_discord.config import BotConfig, ConfigError
from vocu_discord.ogg_opus import write_ogg_opus
from vocu_discord.playback import FFmpegBackend
from vocu_discord.player import GuildPlayer, SpeechItem
from vocu_discord.recording import RecordingVoiceClient
from vocu_discord.services import BotServices
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle

TEXT = "Speech for a busy server, encoded once and sent to everyone."
WAIT = 60.0
DURATION_TOLERANCE = 0.12  # encoder pre-skip and MP3 padding: a few frames

PROVIDERS = {  # name: (key, URL prefix, voice) — Vocu streams a signed URL, Noiz a pipe
    "vocu": (seed.PAID_TOKEN, "", seed.BOB_ID),
    "noiz": (seed.NOIZ_KEY, "/noiz/v1", seed.NOIZ_VOICE_ID),
}


@pytest.fixture(params=list(PROVIDERS))
async def provider(
    request: pytest.FixtureRequest, vocu_emulator: EmulatorHandle
) -> AsyncIterator[tuple[VoiceProvider, str]]:
    key, prefix, voice = PROVIDERS[request.param]
    client = create_provider(request.param, key, base_url=vocu_emulator.url(prefix))
    try:
        yield client, voice
    finally:
        await client.close()


async def play_one(
    client: VoiceProvider, voice_id: str, voice: RecordingVoiceClient, factory: StreamSourceFactory
) -> None:
    done: asyncio.Queue[Exception | None] = asyncio.Queue()

    async def on_played(_item: SpeechItem, _result: object) -> None:
        done.put_nowait(None)

    async def on_error(_item: SpeechItem, error: Exception) -> None:
        done.put_nowait(error)

    player = GuildPlayer(
        client, voice, on_played=on_played, on_error=on_error, source_factory=factory
    )
    try:
        assert await player.enqueue(SpeechItem(text=TEXT, voice_id=voice_id, label="encoder"))
        async with asyncio.timeout(WAIT):
            assert await done.get() is None
    finally:
        await player.aclose()


def option_values(command: tuple[str, ...], option: str) -> list[str]:
    """Every value given to ``option`` on the command line (FFmpeg uses the last one)."""
    return [command[i + 1] for i, arg in enumerate(command[:-1]) if arg == option]


def decode_stereo(ffmpeg: str, path: Path) -> array.array:
    """Decode an Ogg Opus file to the end as Discord's clients do (a stereo decoder, 48 kHz);
    fails on any decode error. Returns interleaved 16-bit samples, left then right."""
    completed = subprocess.run(
        [ffmpeg, "-hide_banner", "-v", "error", "-i", str(path),
         "-f", "s16le", "-ac", "2", "-ar", "48000", "-"],
        capture_output=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0 and not completed.stderr, completed.stderr
    samples = array.array("h")
    samples.frombytes(completed.stdout)
    return samples


async def test_the_bot_encodes_mono_speech_opus_with_fec_that_decodes(
    provider: tuple[VoiceProvider, str],
    recording_voice_client: RecordingVoiceClient,
    ffmpeg_exe: str,
    tmp_path: Path,
) -> None:
    client, voice_id = provider
    factory = StreamSourceFactory()
    await play_one(client, voice_id, recording_voice_client, factory)

    (command,) = factory.command_lines
    assert option_values(command, "-ac") == ["1"]  # discord.py's stereo replaced, not doubled
    assert option_values(command, "-application")[-1] == "voip"
    assert option_values(command, "-compression_level")[-1] == str(DEFAULT_OPUS_COMPLEXITY)
    assert option_values(command, "-b:a")[-1] == f"{OPUS_BITRATE_KBPS}k"
    assert option_values(command, "-frame_duration")[-1] == "20"
    assert option_values(command, "-fec")[-1] == "true"
    assert int(option_values(command, "-packet_loss")[-1]) > 0  # FEC needs expected loss

    (segment,) = recording_voice_client.segments
    assert segment.error is None and segment.frames > 50
    tocs = {packet[0] for packet in segment.packets}
    # RFC 6716 §3.1: config = toc >> 3 (0-11 SILK, 12-15 hybrid, 16-31 CELT), bit 2 = stereo
    assert all(toc >> 3 < 16 for toc in tocs), "CELT-only packets carry no FEC"
    assert all(not toc & 0x04 for toc in tocs), "stereo packets"
    assert all(toc & 0x03 == 0 for toc in tocs), "one frame per packet"
    assert all((toc >> 3) in (1, 5, 9, 13, 15) for toc in tocs), "20 ms frames"

    # A Discord client's decoder is stereo (the Ogg header says 2 channels, as discord.py's
    # stream does): mono packets must come out as the same signal on both sides, all of it.
    out = write_ogg_opus(tmp_path / "sent.ogg", segment.packets, channels=2)
    samples = decode_stereo(ffmpeg_exe, out)
    left, right = samples[0::2], samples[1::2]
    assert len(left) / 48_000 == pytest.approx(segment.duration, abs=DURATION_TOLERANCE)
    assert segment.duration > 1.0
    assert left == right
    assert max(map(abs, left)) > 1000  # speech, not silence


async def test_an_operator_chosen_complexity_reaches_ffmpeg(
    vocu_emulator: EmulatorHandle,
    recording_voice_client: RecordingVoiceClient,
    tmp_path: Path,
) -> None:
    env = {"DISCORD_TOKEN": "t", "VOCU_TOKEN": seed.PAID_TOKEN,
           "VOCU_BASE_URL": vocu_emulator.base_url, "DISCORD_OPUS_COMPLEXITY": "2",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}  # fmt: skip
    services = await BotServices.from_config(BotConfig.from_env(env))
    try:
        assert isinstance(services.playback, FFmpegBackend)
        factory = services.playback.source_factory
        assert isinstance(factory, StreamSourceFactory)
        assert factory.slots is services.speaker.slots  # still the account's shared quota
        await play_one(services.client, seed.BOB_ID, recording_voice_client, factory)
    finally:
        await services.aclose()
    (command,) = factory.command_lines
    assert option_values(command, "-compression_level")[-1] == "2"
    assert recording_voice_client.segments[0].frames > 50


@pytest.mark.parametrize("value", ["11", "-1", "fast", "5.5"])
def test_an_invalid_opus_complexity_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="DISCORD_OPUS_COMPLEXITY must be a whole number"):
        BotConfig.from_env({"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k",
                            "DISCORD_OPUS_COMPLEXITY": value})  # fmt: skip


def test_unset_complexity_keeps_the_default() -> None:
    assert BotConfig.from_env({"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k"}).opus_complexity is None


def test_output_channels_are_set_in_place_or_added_before_the_output() -> None:
    assert with_output_channels(["ff", "-ac", "2", "-i", "u", "-ac", "2", "pipe:1"], 1) == [
        "ff", "-ac", "2", "-i", "u", "-ac", "1", "pipe:1",
    ]  # fmt: skip
    assert with_output_channels(["ff", "-i", "u", "-b:a", "64k", "pipe:1"], 1) == [
        "ff", "-i", "u", "-b:a", "64k", "-ac", "1", "pipe:1",
    ]  # fmt: skip
