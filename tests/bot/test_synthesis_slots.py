"""One account, many guilds: syntheses queue for the account's concurrency quota instead of
drawing 429s from the service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vocu_client.providers import VoiceProvider
from vocu_discord.recording import RecordingVoiceClient
from vocu_discord.services import BotServices
from vocu_discord.settings import open_settings
from vocu_discord.shared_slots import PostgresSlots
from vocu_discord.speaker import SpeechRequest
from vocu_discord.synthesis_slots import SynthesisSlots
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle

GUILDS = (1, 2, 3, 4)


async def test_guilds_share_the_accounts_quota_and_queue_for_it(
    paid_client: VoiceProvider, vocu_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    vocu_emulator.state.set_quota(seed.PAID_TOKEN, syncBaseConcurrent=1, syncPaidConcurrent=0)
    settings = await open_settings(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    services = BotServices.build(paid_client, settings, owns_client=False)
    voices = [RecordingVoiceClient(realtime=False) for _ in GUILDS]
    failures: list[Exception] = []

    async def on_error(item: object, error: Exception) -> None:
        failures.append(error)

    try:
        for guild_id, voice in zip(GUILDS, voices, strict=True):
            await services.players.create(guild_id, voice, on_error=on_error)
        long_text = "Four guilds speak at once, and the account allows one synthesis. " * 2
        await asyncio.gather(
            *(
                services.speaker.speak(SpeechRequest(guild_id, 7, long_text, voice_id=seed.BOB_ID))
                for guild_id in GUILDS
            )
        )
        async with asyncio.timeout(60):
            while any(  # noqa: ASYNC110 - the player exposes no "drained" event
                services.players.get(g).is_playing or services.players.get(g).queue_snapshot()
                for g in GUILDS
            ):
                await asyncio.sleep(0.05)
    finally:
        await services.players.aclose_all()
        await settings.close()
        for voice in voices:
            voice.stop()
            voice.join(timeout=10)
    assert failures == []
    assert all(len(voice.segments) == 1 for voice in voices)
    synth = [r for r in vocu_emulator.requests if r.path == "/api/tts/simple-generate"]
    assert len(synth) == len(GUILDS)  # one request each: none refused with 429 and retried
    assert services.speaker.slots.limit == 1


async def test_processes_on_one_postgres_share_the_quota(
    postgres_dsn: str, socket_enabled: None
) -> None:
    """Two bot processes (two pools) with a quota of 2: never more than 2 syntheses at once."""
    processes = [
        SynthesisSlots(None, limit=2, shared=PostgresSlots(postgres_dsn))  # type: ignore[arg-type]
        for _ in range(2)
    ]
    running = 0
    most = 0

    async def synthesize(slots: SynthesisSlots) -> None:
        nonlocal running, most
        async with slots.slot():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.2)
            running -= 1

    try:
        async with asyncio.timeout(60):
            await asyncio.gather(*(synthesize(processes[n % 2]) for n in range(8)))
    finally:
        for slots in processes:
            await slots.close()
    assert most == 2  # each process alone would have run 2: together they ran 2, not 4
