"""The voice list never holds a command up: stale copies answer at once (item 2 of issue 12)."""

from __future__ import annotations

import asyncio

from vocu_client.providers import VoiceProvider
from vocu_discord.voices import VoiceCatalog
from vocu_emulator.handle import EmulatorHandle

SLOW = 10.0  # seconds: far beyond Discord's 3


async def test_a_stale_list_answers_at_once_while_a_slow_refresh_runs(
    paid_client: VoiceProvider, vocu_emulator: EmulatorHandle
) -> None:
    now = [0.0]
    catalog = VoiceCatalog(paid_client, ttl=60.0, clock=lambda: now[0])
    try:
        first = await catalog.voices()
        now[0] = 120.0  # the copy is stale; the next fetch hangs for 10 s
        vocu_emulator.inject(path="/api/*voice", method="GET", first_byte_delay=SLOW)
        async with asyncio.timeout(2):
            assert await catalog.voices() == first
            assert [c.value for c in await catalog.voice_choices("")] == [v.id for v in first]
    finally:
        await catalog.aclose()


async def test_autocomplete_without_any_list_gives_up_quickly(
    paid_client: VoiceProvider, vocu_emulator: EmulatorHandle
) -> None:
    catalog = VoiceCatalog(paid_client)
    vocu_emulator.inject(path="/api/*voice", method="GET", first_byte_delay=SLOW)
    try:
        async with asyncio.timeout(2.5):
            assert await catalog.voice_choices("") == []
    finally:
        await catalog.aclose()
