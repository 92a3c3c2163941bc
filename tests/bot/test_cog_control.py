"""Who may stop whom: skip, clear, leave and moving the bot, and the cooldown on /tts say."""

from __future__ import annotations

import asyncio

import pytest
from bot_fakes import FakeMember, FakeVoiceChannel, World, world_fixture  # noqa: F401
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.pytest_plugin import EmulatorHandle

REFUSED = "Move Members or Manage Server"


@pytest.fixture
def listener(world: World) -> FakeMember:
    """A second member in the bot's voice channel: others are listening now."""
    bob = FakeMember(id=8, display_name="Bob", guild=world.guild)
    world.guild.members[bob.id] = bob
    bob.join(world.voice)
    return bob


async def _say_slowly(world: World, emulator: EmulatorHandle, author: FakeMember) -> None:
    """Queue an item that stays current (its synthesis answers after 2 s)."""
    emulator.inject(Fault(path="/api/tts/simple-generate", first_byte_delay=2.0))
    interaction = world.interaction(author)
    await world.cog.say.callback(world.cog, interaction, "Hold on a moment.", seed.BOB_ID)
    assert interaction.last.startswith("Queued")
    player = world.services.players.get(world.guild.id)
    async with asyncio.timeout(10):
        while player.current is None:  # noqa: ASYNC110 - the player exposes no "started" event
            await asyncio.sleep(0.01)


async def test_members_skip_their_own_item_but_not_others(
    world: World, listener: FakeMember, vocu_emulator: EmulatorHandle
) -> None:
    await world.join()
    await _say_slowly(world, vocu_emulator, listener)
    mine = world.interaction()  # world.member is in the channel but did not say it
    await world.cog.skip.callback(world.cog, mine)
    assert REFUSED in mine.last
    own = world.interaction(listener)
    await world.cog.skip.callback(world.cog, own)
    assert own.last == "Skipped."
    await world.drained()


async def test_skipping_own_item_needs_being_in_the_channel(
    world: World, vocu_emulator: EmulatorHandle, listener: FakeMember
) -> None:
    await world.join()
    await _say_slowly(world, vocu_emulator, listener)
    listener.voice = None
    world.voice.members.remove(listener)
    world.owner.join(world.voice)  # someone else still listens
    outside = world.interaction(listener)
    await world.cog.skip.callback(world.cog, outside)
    assert REFUSED in outside.last
    moderator = world.interaction(listener, move_members=True)
    await world.cog.skip.callback(world.cog, moderator)
    assert moderator.last == "Skipped."
    await world.drained()


async def test_clear_and_leave_need_a_permission_while_others_listen(
    world: World, listener: FakeMember
) -> None:
    await world.join()
    for command in (world.cog.clear, world.cog.leave):
        interaction = world.interaction()
        await command.callback(world.cog, interaction)
        assert REFUSED in interaction.last
    assert world.services.players.get(world.guild.id) is not None
    cleared = world.interaction(manage_guild=True)
    await world.cog.clear.callback(world.cog, cleared)
    assert cleared.last.startswith("Removed")
    left = world.interaction(move_members=True)
    await world.cog.leave.callback(world.cog, left)
    assert left.last == "Left the voice channel."


async def test_alone_with_the_bot_needs_no_permission(world: World) -> None:
    await world.join()
    leave = world.interaction()
    await world.cog.leave.callback(world.cog, leave)
    assert leave.last == "Left the voice channel."


async def test_moving_the_bot_away_from_listeners_needs_a_permission(
    world: World, listener: FakeMember
) -> None:
    await world.join()
    other = FakeVoiceChannel(id=3001, name="Quiet room")
    world.guild.channels[other.id] = other
    world.voice.members.remove(world.member)
    world.member.join(other)
    move = world.interaction()
    await world.cog.join.callback(world.cog, move)
    assert "I am in use in Lounge" in move.last and REFUSED in move.last
    assert world.services.players.get(world.guild.id).voice_client.channel is world.voice
    allowed = world.interaction(move_members=True)
    await world.cog.join.callback(world.cog, allowed)
    assert allowed.last == "Joined Quiet room."


async def test_say_respects_the_member_cooldown(world: World) -> None:
    await world.services.settings.update_guild(world.guild.id, cooldown_seconds=30)
    await world.join()
    first, second = world.interaction(), world.interaction()
    await world.cog.say.callback(world.cog, first, "One.", seed.BOB_ID)
    await world.cog.say.callback(world.cog, second, "Two.", seed.BOB_ID)
    assert first.last.startswith("Queued")
    assert "every 30 seconds" in second.last
    await world.drained()
