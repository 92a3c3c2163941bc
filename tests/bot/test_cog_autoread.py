"""Auto-read through the cog: who is read while the bot is in voice, and how often the channel
is told that the bot is not."""

from __future__ import annotations

from bot_fakes import (  # noqa: F401 - `world_fixture` provides `world`
    FakeMember,
    FakeTextChannel,
    World,
    world_fixture,
)
from vocu_discord.autoread import Skip

NOT_IN_VOICE = "I am not in a voice channel; use /tts join first."


async def test_not_in_voice_is_said_once_per_channel_until_the_bot_next_joins(
    world: World,
) -> None:
    other = FakeTextChannel(id=2001, name="random")
    world.guild.channels[other.id] = other
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id, other.id)
    )
    messages = [world.message(f"hello {n}") for n in range(5)]
    for message in messages:
        await world.cog.handle_message(message)
    # One reaction and one notice for the idle period, not one API call per message.
    assert [m.reactions for m in messages] == [["🔇"], [], [], [], []]
    assert world.text.sent == [NOT_IN_VOICE]
    elsewhere = world.message("over here")
    elsewhere.channel = other
    await world.cog.handle_message(elsewhere)
    assert other.sent == [NOT_IN_VOICE]

    await world.join()
    await world.cog.leave_guild(world.guild, forget_channel=True)
    again = world.message("and now?")
    await world.cog.handle_message(again)  # a new idle period: told again (within the hour)
    assert again.reactions == ["🔇"] and world.text.sent == [NOT_IN_VOICE, NOT_IN_VOICE]


async def test_not_in_voice_notice_can_be_turned_off(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,)
    )
    interaction = world.interaction(manage_guild=True)
    await world.cog.settings_not_in_voice_notice.callback(world.cog, interaction, False)
    message = world.message("hello?")
    decision = await world.cog.handle_message(message)
    assert decision.skip is Skip.NOT_IN_VOICE
    assert message.reactions == [] and world.text.sent == []


async def test_only_members_in_the_bots_voice_channel_are_read_by_default(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,)
    )
    await world.join()
    outsider = FakeMember(id=8, display_name="Outsider", guild=world.guild)
    decision = await world.cog.handle_message(world.message("can you hear me", outsider))
    assert decision.skip is Skip.NOT_WITH_BOT
    # The voice channel's own text chat has the voice channel's id: typing there is not
    # being in the call.
    in_voice_chat = world.message("from the voice chat", outsider)
    in_voice_chat.channel = FakeTextChannel(id=world.voice.id, name=world.voice.name)
    assert (await world.cog.handle_message(in_voice_chat)).skip is Skip.NOT_WITH_BOT
    assert (await world.cog.handle_message(world.message("I am in the call"))).speak

    interaction = world.interaction(manage_guild=True)
    await world.cog.settings_voice_members_only.callback(world.cog, interaction, False)
    assert (await world.cog.handle_message(world.message("now me too", outsider))).speak
    await world.drained()


async def test_settings_limits_keeps_max_seconds_when_left_out(world: World) -> None:
    interaction = world.interaction(manage_guild=True)
    await world.cog.settings_limits.callback(world.cog, interaction, 500, 120)
    await world.cog.settings_limits.callback(world.cog, world.interaction(manage_guild=True), 400)
    settings = await world.services.settings.get_guild(world.guild.id)
    assert (settings.max_chars, settings.max_seconds) == (400, 120)


async def test_text_channels_seen_are_bounded(world: World) -> None:
    world.cog.text_channels.max_entries = 3
    for n in range(10):
        world.cog.text_channels.remember(FakeTextChannel(id=5000 + n))
    assert len(world.cog.text_channels) == 3
    assert world.cog.text_channels.get(5009) is not None
    assert world.cog.text_channels.get(5000) is None


async def test_a_message_in_an_unread_channel_costs_no_member_look_up(world: World) -> None:
    # Every message in every server reaches the bot; most are in channels nobody asked it to
    # read. The guild's (cached) row answers them; the author's settings are never fetched.
    await world.services.settings.update_guild(world.guild.id, autoread_channel_ids=(12345,))
    decision = await world.cog.handle_message(world.message("just chatting"))
    assert decision.skip is Skip.NOT_A_READ_CHANNEL
    assert world.services.settings.cache.get(("user", world.guild.id, world.member.id)) is None
    assert world.services.settings.cache.get(("guild", world.guild.id)) is not None
