"""Fixtures: a running loopback Discord, and the real cog in a real discord.py bot talking to it.

The voice service is the emulator; the database is a real SQLite file; FFmpeg is real.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord.ext import commands
from loopback_discord import LoopbackDiscord, running_loopback, w
from vocu_client.providers import create_provider
from vocu_discord.bot import bot_intents
from vocu_discord.services import BotServices
from vocu_discord.settings import open_settings
from vocu_emulator import seed
from vocu_emulator.handle import EmulatorHandle

READY_TIMEOUT = 30.0


@pytest.fixture
def expected_lingering_timers() -> bool:
    """aiohttp's connector keeps a cleanup timer after close; it is discord.py's, not a leak."""
    return True


@pytest.fixture
def expected_lingering_tasks() -> bool:
    """discord.py's voice state waits (``sane_wait_for``) leave an ``Event.wait`` task behind
    after a forced disconnect; the harness warns about and cancels them instead of failing."""
    return True


@pytest.fixture
async def loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[LoopbackDiscord]:
    async with running_loopback(tmp_path) as running:
        running.point_discord_py_here(monkeypatch)
        yield running


class LoopbackBot(commands.Bot):
    """Someone's discord.py bot that loads our cog with services it built itself."""

    def __init__(self, services: BotServices, loopback: LoopbackDiscord) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            connector=loopback.connector(),
        )
        self.vocu_services = services

    async def setup_hook(self) -> None:
        await self.load_extension("vocu_discord")


@pytest.fixture
async def services(tmp_path: Path, vocu_emulator: EmulatorHandle) -> AsyncIterator[BotServices]:
    client = create_provider("vocu", seed.PAID_TOKEN, base_url=vocu_emulator.base_url)
    settings = await open_settings(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    built = BotServices.build(client, settings, default_voice_id=seed.ALICE_ID)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def bot(services: BotServices, loopback: LoopbackDiscord) -> AsyncIterator[LoopbackBot]:
    running = LoopbackBot(services, loopback)
    await running.login(w.BOT_TOKEN)
    task = asyncio.create_task(running.connect(reconnect=False))
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await running.wait_until_ready()
        yield running
    finally:
        for voice_client in running.voice_clients:
            _wake_socket_reader(voice_client, loopback)
        await running.close()
        await asyncio.wait([task], timeout=10)
        await asyncio.to_thread(_join_voice_threads)


def _wake_socket_reader(voice_client: Any, loopback: LoopbackDiscord) -> None:
    """Stop discord.py's UDP reader thread now rather than after its 30 s ``select`` timeout.

    The thread only sees its stop flag when ``select`` returns, so one datagram (from the voice
    server: the socket is connected to it) wakes it.
    """
    connection = voice_client._connection
    connection._socket_reader.stop()
    udp = connection.socket
    if udp and udp.fileno() != -1:
        loopback.voice.send_datagram(b"wake", udp.getsockname())


def _join_voice_threads() -> None:
    """A reader whose socket was closed mid-``select`` (a voice drop) ends within 30 s."""
    for thread in threading.enumerate():
        if thread.name.startswith("voice-socket-reader"):
            thread.join(timeout=35)
