"""The player with discord.py's own AudioPlayer thread (what `VoiceClient.play` runs in production).

Only the socket end is stubbed: `send_audio_packet`, `is_connected`, `ws.speak` and `client.loop`
are what AudioPlayer touches. This checks that `after` from that thread reaches the event loop and
the queue moves on, exactly as it will with a real voice connection.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import discord
from discord.opus import OPUS_SILENCE
from discord.player import AudioPlayer
from vocu_client.providers import VoiceProvider
from vocu_discord.audio import StreamSourceFactory
from vocu_discord.player import GuildPlayer, SpeechItem
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle


class _Gateway:
    def __init__(self) -> None:
        self.speaking: list[discord.SpeakingState] = []

    async def speak(self, state: discord.SpeakingState) -> None:
        self.speaking.append(state)


class AudioPlayerVoiceClient:
    """The attributes of `discord.VoiceClient` that `discord.player.AudioPlayer` uses."""

    timeout = 5.0

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.client = type("ClientStub", (), {"loop": loop})()
        self.ws = _Gateway()
        self.packets: list[bytes] = []
        self._player: AudioPlayer | None = None
        self.threads: list[threading.Thread] = []

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        assert not encode  # Opus straight from FFmpeg, no re-encoding
        if data != OPUS_SILENCE:
            self.packets.append(data)

    def is_connected(self) -> bool:
        return True

    def wait_until_connected(self, timeout: float | None = None) -> bool:
        return True

    def play(
        self, source: discord.AudioSource, *, after: Callable[[Exception | None], Any]
    ) -> None:
        if self.is_playing():
            raise discord.ClientException("Already playing audio.")
        self._player = AudioPlayer(source, self, after=after)  # type: ignore[arg-type]
        self.threads.append(self._player)
        self._player.start()

    def is_playing(self) -> bool:
        return self._player is not None and self._player.is_playing()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()


async def test_queue_moves_on_with_discords_audio_player(
    vocu_emulator: EmulatorHandle, paid_client: VoiceProvider
) -> None:
    voice = AudioPlayerVoiceClient(asyncio.get_running_loop())
    played: list[SpeechItem] = []
    done = asyncio.Event()

    async def on_played(item: SpeechItem, _result: object) -> None:
        played.append(item)
        if len(played) == 2:
            done.set()

    factory = StreamSourceFactory()
    player = GuildPlayer(paid_client, voice, on_played=on_played, source_factory=factory)
    items = [SpeechItem(text=t, voice_id=seed.BOB_ID) for t in ("One.", "And two.")]
    try:
        for item in items:
            await player.enqueue(item)
        async with asyncio.timeout(60):
            await done.wait()
    finally:
        await player.aclose()
        await asyncio.to_thread(lambda: [t.join(10) for t in voice.threads])
        await asyncio.sleep(0.05)  # let the last `ws.speak` coroutine the thread scheduled run

    assert played == items
    assert len(voice.packets) > 20  # two short utterances of 20 ms frames
    assert discord.SpeakingState.voice in voice.ws.speaking
