"""The bot on each voice service (Vocu, Noiz AI, MiniMax via useapi.net, MiniMax) over the emulator.

`paid_client` is overridden here with each service's provider, so the real cog (`world`) runs
the same commands against all three. Noiz has no key-free URLs: its speech reaches FFmpeg through
a pipe, tested here with frames counted and the key kept off FFmpeg's command line.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from bot_fakes import FakeAttachment, World, world_fixture  # noqa: F401 - fixture
from mutagen.mp3 import MP3
from test_player import Outcomes
from vocu_client.providers import Capability, VoiceProvider, create_provider
from vocu_discord.audio import StreamSourceFactory
from vocu_discord.player import GuildPlayer, SpeechItem
from vocu_discord.recording import RecordingVoiceClient
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle


@dataclass(frozen=True)
class Case:
    name: str
    key: str
    prefix: str
    own_voice: str
    builtin_voice: str


CASES = {
    "vocu": Case("vocu", seed.PAID_TOKEN, "", seed.BOB_ID, seed.MARKET_ID),
    "noiz": Case("noiz", seed.NOIZ_KEY, "/noiz/v1", seed.NOIZ_VOICE_ID, seed.NOIZ_BUILTIN_IDS[0]),
    "minimax": Case("minimax", seed.USEAPI_TOKEN, "/useapi/v1/minimax", seed.MINIMAX_CLONE_ID,
                    seed.MINIMAX_SYSTEM_IDS[0]),
    "minimax_official": Case("minimax_official", seed.MINIMAX_API_KEY, "/minimax",
                             seed.MINIMAX_OFFICIAL_CLONE_ID, seed.MINIMAX_SYSTEM_IDS[0]),
}  # fmt: skip


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture
async def paid_client(vocu_emulator: EmulatorHandle, case: Case) -> AsyncIterator[VoiceProvider]:
    provider = create_provider(case.name, case.key, base_url=vocu_emulator.url(case.prefix))
    try:
        yield provider
    finally:
        await provider.close()


async def ids(provider: VoiceProvider) -> set[str]:
    return {voice.id for voice in await provider.list_voices()}


async def test_voice_autocomplete_offers_own_and_builtin_voices(world: World, case: Case) -> None:
    choices = await world.cog.voice_autocomplete(world.interaction(), "")
    values = {choice.value for choice in choices}
    assert {case.own_voice, case.builtin_voice} <= values
    styles = await world.cog.style_autocomplete(
        world.interaction(namespace={"voice": case.own_voice}), ""
    )
    assert bool(styles) is (case.name == "vocu")


async def test_say_plays_the_voice(world: World, case: Case) -> None:
    voice_client = await world.join()
    interaction = world.interaction()
    await world.cog.say.callback(world.cog, interaction, "Hello there, friends.", case.own_voice)
    assert interaction.last.startswith("Queued:")
    await world.drained()
    assert len(voice_client.segments) == 1
    segment = voice_client.segments[0]
    assert segment.frames > 50 and segment.error is None  # ~2 s of speech in 20 ms frames


async def test_owner_clones_then_deletes_a_voice(
    world: World, paid_client: VoiceProvider, case: Case
) -> None:
    sample = FakeAttachment(
        "sample.mp3", await paid_client.synthesize("A voice sample.", case.own_voice)
    )
    interaction = world.interaction(world.owner)
    command = asyncio.create_task(
        world.cog.manage_clone.callback(world.cog, interaction, "Grace", sample)
    )
    while not interaction.response.sent:  # noqa: ASYNC110 - waiting for the consent prompt
        await asyncio.sleep(0.01)
    view = interaction.response.sent[0][1]["view"]
    await view.confirm.callback(world.interaction(world.owner))
    await command
    assert interaction.last.startswith("Created voice Grace")
    assert ("7 days" in interaction.last) is (case.name == "minimax_official")
    created = next(
        v for v in await paid_client.list_voices(include_builtin=False) if v.name == "Grace"
    )

    deleting = world.interaction(world.owner)
    await world.cog.manage_delete.callback(world.cog, deleting, created.id)
    assert deleting.last == "Voice deleted."
    assert created.id not in await ids(paid_client)
    choices = await world.cog.voice_autocomplete(deleting, "")
    assert created.id not in {choice.value for choice in choices}


async def test_credits_only_where_the_service_reports_them(
    world: World, paid_client: VoiceProvider
) -> None:
    interaction = world.interaction(manage_guild=True)
    await world.cog.credits.callback(world.cog, interaction)
    if paid_client.supports(Capability.ACCOUNT):
        assert f"{seed.PAID_CREDIT + seed.PAID_BONUS:,}" in interaction.last
    else:
        assert interaction.last == f"Credits are not available for {paid_client.info.title}."


@pytest.mark.parametrize("case", [CASES["noiz"]], ids=["noiz"])
async def test_noiz_item_plays_through_a_pipe_without_the_key_on_the_command_line(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
    case: Case,
) -> None:
    assert not paid_client.supports(Capability.SIGNED_URLS)
    text = "The quick brown fox jumps over the lazy dog."
    expected = MP3(io.BytesIO(await paid_client.synthesize(text, case.own_voice))).info.length
    outcomes = Outcomes()
    factory = StreamSourceFactory()
    player = GuildPlayer(
        paid_client, recording_voice_client, on_played=outcomes.on_played,
        on_error=outcomes.on_error, source_factory=factory,
    )  # fmt: skip
    try:
        assert await player.enqueue(SpeechItem(text=text, voice_id=case.own_voice))
        await outcomes.wait_for(1)
    finally:
        await player.aclose()

    assert outcomes.failed == []
    [segment] = recording_voice_client.segments
    assert segment.frames == pytest.approx(expected / 0.020, abs=8)  # 20 ms Opus frames
    [command] = factory.command_lines
    assert command[command.index("-i") + 1] == "-"  # MP3 on stdin
    assert not any(case.key in arg or "://" in arg for arg in command)


@pytest.mark.parametrize("case", [CASES["noiz"]], ids=["noiz"])
async def test_noiz_error_before_audio_reaches_on_error(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
    case: Case,
) -> None:
    outcomes = Outcomes()
    player = GuildPlayer(
        paid_client, recording_voice_client, on_played=outcomes.on_played,
        on_error=outcomes.on_error, source_factory=StreamSourceFactory(),
    )  # fmt: skip
    try:
        assert await player.enqueue(SpeechItem(text="Hello.", voice_id="nz-no-such-voice"))
        await outcomes.wait_for(1)
    finally:
        await player.aclose()
    assert len(outcomes.failed) == 1 and recording_voice_client.segments == []
