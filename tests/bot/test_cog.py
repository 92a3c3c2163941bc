"""The /tts commands: real app_commands objects and cog, fake interactions, emulator behind."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from bot_fakes import (  # noqa: F401 - `world_fixture` provides the `world` fixture
    BOT_USER_ID,
    OWNER_ID,
    FakeAttachment,
    FakeMember,
    World,
    world_fixture,
)
from discord.ext import commands
from vocu_discord.lifecycle import VOICE_CONNECT_TIMEOUT
from vocu_discord.settings import GuildSettings
from vocu_discord.voice_client import PolicyVoiceClient
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.pytest_plugin import EmulatorHandle

USABLE = {"Alice", "Bob", "Xiaoyu"}


@pytest.fixture
def keep_modules() -> Iterator[None]:
    """`unload_extension` drops vocu_discord.* from sys.modules; put the originals back."""
    saved = {
        name: module for name, module in sys.modules.items() if name.startswith("vocu_discord")
    }
    yield
    sys.modules.update(saved)


async def test_load_extension_on_a_real_bot(
    paid_client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_modules: None,
    vocu_emulator: EmulatorHandle,
) -> None:  # fmt: skip
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ext.sqlite3'}")
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    try:
        await bot.load_extension("vocu_discord")
        tts = bot.tree.get_command("tts")
        assert isinstance(tts, discord.app_commands.Group)
        assert tts.get_command("say") is not None
        cog = bot.get_cog("tts")
        choices = await cog.voice_autocomplete(None, "")  # services built from the environment
        assert {choice.value for choice in choices} == {seed.ALICE_ID, seed.BOB_ID, seed.MARKET_ID}
        await bot.unload_extension("vocu_discord")
        assert bot.tree.get_command("tts") is None
    finally:
        await bot.close()
    assert (tmp_path / "ext.sqlite3").exists()


async def test_cog_registers_one_group_and_the_context_menu(world: World) -> None:
    tts = world.bot.tree.get_command("tts")
    assert isinstance(tts, discord.app_commands.Group)
    names = {command.qualified_name for command in tts.walk_commands()}
    assert {
        "tts join", "tts leave", "tts say", "tts skip", "tts clear", "tts queue", "tts voices",
        "tts voice set", "tts voice reset", "tts credits", "tts file", "tts optout",
        "tts forget", "tts settings autoread", "tts settings budget", "tts dictionary add",
        "tts manage clone", "tts manage delete",
    } <= names  # fmt: skip
    assert [c.name for c in world.bot.tree.get_commands() if c.name != "tts"] == [
        "Speak this message"
    ]
    await world.bot.remove_cog("tts")
    assert world.bot.tree.get_command("tts") is None
    assert world.bot.tree.get_commands(type=discord.AppCommandType.message) == []


async def test_group_payload_is_valid_for_discord(world: World) -> None:
    tts = world.bot.tree.get_command("tts")
    payload = tts.to_dict(world.bot.tree)  # what tree.sync() would upload
    assert payload["name"] == "tts" and payload["contexts"] == [0]  # guild only
    assert 0 < len(payload["options"]) <= 25
    for option in payload["options"]:
        assert len(option["description"]) <= 100
        assert len(option.get("options", [])) <= 25
    say = next(option for option in payload["options"] if option["name"] == "say")
    assert [(o["name"], o.get("autocomplete", False)) for o in say["options"]] == [
        ("text", False),
        ("voice", True),
        ("style", True),
    ]


async def test_invoked_through_the_namespace_like_discord_does(world: World) -> None:
    interaction = world.interaction()
    interaction.client = world.bot
    interaction.extras = {}
    # Checks and argument transformers run as for a real interaction (no option given here).
    await world.cog.optout._invoke_with_namespace(interaction, SimpleNamespace())
    assert interaction.last == "Your messages are no longer read aloud here."
    user = await world.services.settings.get_user(world.guild.id, world.member.id)
    assert user.autoread_opt_out


async def test_voice_autocomplete_lists_only_usable_voices(world: World) -> None:
    choices = await world.cog.voice_autocomplete(world.interaction(), "")
    assert {choice.name.split(" [")[0].removesuffix(" (market)") for choice in choices} == USABLE
    assert {choice.value for choice in choices} == {seed.ALICE_ID, seed.BOB_ID, seed.MARKET_ID}
    filtered = await world.cog.voice_autocomplete(world.interaction(), "bo")
    assert [choice.value for choice in filtered] == [seed.BOB_ID]


async def test_style_autocomplete_names_voice_and_style(world: World) -> None:
    interaction = world.interaction(namespace={"voice": seed.ALICE_ID})
    choices = await world.cog.style_autocomplete(interaction, "")
    assert [(c.name, c.value) for c in choices] == [
        ("Alice — Default", "default"),
        ("Alice — Cheerful", seed.CHEERFUL_STYLE_ID),
    ]
    cheerful = await world.cog.style_autocomplete(interaction, "cheer")
    assert [c.value for c in cheerful] == [seed.CHEERFUL_STYLE_ID]


async def test_say_enqueues_plays_and_reconciles_the_budget(world: World) -> None:
    voice_client = await world.join()
    assert world.voice.connect_kwargs == [
        {
            "cls": PolicyVoiceClient,
            "reconnect": False,
            "self_deaf": True,
            "timeout": VOICE_CONNECT_TIMEOUT,
        }
    ]
    saved = await world.services.settings.get_guild(world.guild.id)
    assert saved.voice_channel_id == world.voice.id  # remembered for the re-join after restart

    interaction = world.interaction()
    await world.cog.say.callback(world.cog, interaction, "Hello there, friends.", seed.BOB_ID)
    assert interaction.last.startswith("Queued: Alice: Alice said, Hello there, friends.")
    await world.drained()

    assert len(voice_client.segments) == 1 and voice_client.segments[0].frames > 10
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    # The emulator bills one credit per character of what was sent.
    assert usage.user_chars == len("Alice said, Hello there, friends.")


async def test_second_message_from_same_speaker_is_not_announced(world: World) -> None:
    await world.join()
    first, second = world.interaction(), world.interaction()
    await world.cog.say.callback(world.cog, first, "One.", seed.BOB_ID)
    await world.cog.say.callback(world.cog, second, "Two.", seed.BOB_ID)
    assert "Alice said, One." in first.last
    assert "Alice said" not in second.last
    await world.cog.voice_name.callback(world.cog, world.interaction(), "Ally")
    owner_says = world.interaction(world.owner)
    await world.cog.say.callback(world.cog, owner_says, "Me now.", seed.BOB_ID)
    third = world.interaction()
    await world.cog.say.callback(world.cog, third, "Three.", seed.BOB_ID)
    assert "Ally said, Three." in third.last  # the spoken nickname replaces the display name


@pytest.mark.parametrize(
    ("setup", "text", "voice", "expected"),
    [
        ("leave", "hello", None, "not in a voice channel"),
        (None, "hello", "no-such-voice", "cannot speak"),
        (None, "hello", seed.CREATING_ID, "cannot speak"),  # still cloning: not usable
        ("short", "this text is longer than ten characters", None, "at most 10"),
        ("budget", "hello world", None, "midnight UTC"),
        (None, "<:blank:1>", None, "nothing to say"),
    ],
)
async def test_say_errors_are_short_and_ephemeral(
    world: World, setup: str | None, text: str, voice: str | None, expected: str
) -> None:
    if setup != "leave":
        await world.join()
    if setup == "short":
        await world.services.settings.update_guild(world.guild.id, max_chars=10)
    if setup == "budget":
        await world.services.settings.update_guild(world.guild.id, user_daily_chars=5)
    await world.services.settings.update_guild(world.guild.id, skip_emoji=True)
    interaction = world.interaction()
    await world.cog.say.callback(world.cog, interaction, text, voice)
    assert expected in interaction.last
    assert len(interaction.last) < 200
    player = world.services.players.get(world.guild.id)
    assert player is None or (player.current is None and not player.queue_snapshot())


async def test_failed_queue_item_notifies_once_and_queue_goes_on(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    voice_client = await world.join()
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 3)
    for text in ("The first long sentence.", "The second long sentence."):
        await world.cog.say.callback(world.cog, world.interaction(), text, seed.BOB_ID)
    await world.drained()
    assert world.text.sent == [
        "The voice account is out of credits; ask the bot owner to top it up."
    ]
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 10_000)
    await world.cog.say.callback(world.cog, world.interaction(), "Now it works.", seed.BOB_ID)
    await world.drained()
    assert len(voice_client.segments) == 1  # the failures played nothing, the queue went on
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == len("Now it works.")  # failed items were refunded


async def test_queue_skip_clear(world: World, vocu_emulator: EmulatorHandle) -> None:
    interaction = world.interaction()
    await world.cog.queue.callback(world.cog, interaction)
    assert interaction.last == "The queue is empty."
    await world.join()
    # Keep the first item preparing while we look, so nothing behind it is prefetched (billed).
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate", first_byte_delay=1.0))
    for text in ("First one here.", "Second one here.", "Third one here."):
        await world.cog.say.callback(world.cog, world.interaction(), text, seed.BOB_ID)
    player = world.services.players.get(world.guild.id)
    assert player is not None
    async with asyncio.timeout(30):
        while player.current is None:  # noqa: ASYNC110 - the player exposes no "started" event
            await asyncio.sleep(0.01)
    shown = world.interaction()
    await world.cog.queue.callback(world.cog, shown)
    lines = shown.last.splitlines()
    assert lines[0].startswith("▶ ") and "First one here." in lines[0]
    assert ["Second one here." in lines[1], "Third one here." in lines[2]] == [True, True]
    assert world.services.speaker.pending(world.guild.id) == 3
    reserved = await _user_chars(world)
    cleared = world.interaction()
    await world.cog.clear.callback(world.cog, cleared)
    assert cleared.last == "Removed 2 waiting item(s)."
    assert world.services.speaker.pending(world.guild.id) == 1  # no bookkeeping leak
    skipped = world.interaction()
    await world.cog.skip.callback(world.cog, skipped)
    assert skipped.last == "Skipped."
    await world.drained()
    nothing = world.interaction()
    await world.cog.skip.callback(world.cog, nothing)
    assert nothing.last == "Nothing is being said."
    # "Second" was the prefetched head (its stream URL was requested, so it may be billed) and
    # stays counted; "Third" was never requested and is refunded.
    assert await _user_chars(world) == reserved - len("Third one here.")


async def _user_chars(world: World) -> int:
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    return usage.user_chars


async def test_message_pushed_out_of_a_full_queue_is_reported(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    await world.services.settings.update_guild(world.guild.id, max_queue=1)
    await world.join()
    # The first item's stream URL is slow, so the next one is not prefetched while it waits.
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate", first_byte_delay=1.0))
    texts = ("Playing right now.", "Pushed out soon.", "The newest one.")
    await world.cog.say.callback(world.cog, world.interaction(), texts[0], seed.BOB_ID)
    first_reserved = await _user_chars(world)
    for text in texts[1:]:
        await world.cog.say.callback(world.cog, world.interaction(), text, seed.BOB_ID)
    await world.drained()
    assert world.text.sent == ["A message was dropped unread: the speech queue was full."]
    # The pushed-out item was the prefetched queue head: the service billed its stream URL, so it
    # stays counted (bookkeeping released); items never requested are refunded (clear test).
    assert await _user_chars(world) == first_reserved + len(texts[1]) + len(texts[2])
    assert world.services.speaker.pending(world.guild.id) == 0


async def test_settings_need_manage_server(world: World) -> None:
    command = world.cog.settings_autoread
    denied = world.interaction()
    await command.callback(world.cog, denied, world.text, True)
    assert "Manage Server" in denied.last
    assert (await world.services.settings.get_guild(world.guild.id)) == GuildSettings(
        world.guild.id
    )

    allowed = world.interaction(manage_guild=True)
    await command.callback(world.cog, allowed, world.text, True)
    assert (await world.services.settings.get_guild(world.guild.id)).autoread_channel_ids == (
        world.text.id,
    )
    budget = world.interaction(manage_guild=True)
    await world.cog.settings_budget.callback(world.cog, budget, 1000, 100)
    saved = await world.services.settings.get_guild(world.guild.id)
    assert (saved.guild_daily_chars, saved.user_daily_chars) == (1000, 100)


async def test_credits_need_manage_server(world: World) -> None:
    denied = world.interaction()
    await world.cog.credits.callback(world.cog, denied)
    assert "Manage Server" in denied.last
    allowed = world.interaction(manage_guild=True)
    await world.cog.credits.callback(world.cog, allowed)
    assert f"{seed.PAID_CREDIT + seed.PAID_BONUS:,}" in allowed.last


async def test_dictionary_is_applied_to_speech(world: World) -> None:
    add = world.interaction(manage_guild=True)
    await world.cog.dictionary_add.callback(world.cog, add, "GIF", "jif")
    denied = world.interaction()
    await world.cog.dictionary_add.callback(world.cog, denied, "x", "y")
    assert "Manage Server" in denied.last
    await world.join()
    said = world.interaction()
    await world.cog.say.callback(world.cog, said, "a gif please", seed.BOB_ID)
    assert "a jif please" in said.last


async def test_voice_set_and_reset(world: World) -> None:
    unknown = world.interaction()
    await world.cog.voice_set.callback(world.cog, unknown, "nope")
    assert "cannot speak" in unknown.last
    chosen = world.interaction()
    await world.cog.voice_set.callback(
        world.cog, chosen, seed.ALICE_ID, seed.CHEERFUL_STYLE_ID, 1.5
    )
    user = await world.services.settings.get_user(world.guild.id, world.member.id)
    assert (user.voice_id, user.style_id, user.speed) == (
        seed.ALICE_ID,
        seed.CHEERFUL_STYLE_ID,
        1.5,
    )
    # the style autocomplete now follows the caller's own voice
    styles = await world.cog.style_autocomplete(world.interaction(), "")
    assert all(choice.name.startswith("Alice — ") for choice in styles)
    await world.join()
    said = world.interaction()
    await world.cog.say.callback(world.cog, said, "Cheerful words.")
    assert "(Alice)" in said.last
    await world.cog.voice_reset.callback(world.cog, world.interaction())
    user = await world.services.settings.get_user(world.guild.id, world.member.id)
    assert user.voice_id is None and user.speed is None


async def test_owner_only_delete(world: World, paid_client) -> None:
    denied = world.interaction(manage_guild=True)
    await world.cog.manage_delete.callback(world.cog, denied, seed.BOB_ID)
    assert "owner" in denied.last
    assert seed.BOB_ID in {voice.id for voice in await paid_client.list_voices()}
    allowed = world.interaction(world.owner)
    await world.cog.manage_delete.callback(world.cog, allowed, seed.BOB_ID)
    assert allowed.last == "Voice deleted."
    assert seed.BOB_ID not in {voice.id for voice in await paid_client.list_voices()}
    assert seed.BOB_ID not in {c.value for c in await world.cog.voice_autocomplete(allowed, "")}


@pytest.mark.parametrize("confirm", [True, False])
async def test_clone_asks_for_consent_first(world: World, paid_client, confirm: bool) -> None:
    sample = FakeAttachment(
        "sample.wav", await paid_client.synthesize("A voice sample.", seed.BOB_ID)
    )
    before = {voice.id for voice in await paid_client.list_voices()}
    interaction = world.interaction(world.owner)
    command = asyncio.create_task(
        world.cog.manage_clone.callback(world.cog, interaction, "Grace", sample)
    )
    while not interaction.response.sent:  # noqa: ASYNC110 - waiting for the prompt to be sent
        await asyncio.sleep(0.01)
    content, kwargs = interaction.response.sent[0]
    assert "consent" in (content or "") and kwargs["ephemeral"]
    view = kwargs["view"]
    assert {voice.id for voice in await paid_client.list_voices()} == before  # nothing uploaded yet
    click = world.interaction(world.owner)
    await (view.confirm if confirm else view.cancel).callback(click)
    await command
    after = {voice.name for voice in await paid_client.client.list_voices(show_full=True)}
    assert ("Grace" in after) is confirm
    if confirm:
        assert interaction.last.startswith("Created voice Grace")


async def test_clone_is_refused_to_non_owners(world: World) -> None:
    interaction = world.interaction(manage_guild=True)
    await world.cog.manage_clone.callback(
        world.cog, interaction, "X", FakeAttachment("a.wav", b"1")
    )
    assert "owner" in interaction.last


async def test_file_returns_an_mp3_and_counts_billed_characters(world: World) -> None:
    interaction = world.interaction()
    await world.cog.file.callback(world.cog, interaction, "Send me this as a file.", seed.BOB_ID)
    assert interaction.response.deferred
    assert interaction.original_edits  # the private "thinking" answer says where the file is
    sent_kwargs = interaction.followup.sent[-1][1]
    assert sent_kwargs["ephemeral"] is False  # only the file itself is public
    sent = sent_kwargs["file"]
    assert sent.filename == "speech.mp3"
    data = sent.fp.read()
    assert data[:3] == b"ID3" or data[0] == 0xFF
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == len("Send me this as a file.")  # no "Alice said" in a file


async def test_file_without_credits_is_an_ephemeral_error(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0)
    interaction = world.interaction()
    await world.cog.file.callback(world.cog, interaction, "No money.", seed.BOB_ID)
    assert "out of credits" in interaction.last
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == 0


async def test_file_refusal_before_synthesis_stays_ephemeral(world: World) -> None:
    await world.services.settings.update_guild(world.guild.id, max_chars=5)
    interaction = world.interaction()
    await world.cog.file.callback(world.cog, interaction, "Much too long.", seed.BOB_ID)
    assert interaction.response.deferred  # deferred ephemerally first (the 3-second rule)
    content, kwargs = interaction.messages[-1]
    assert "at most 5" in (content or "")
    assert kwargs["ephemeral"] is True


async def test_optout_and_forget(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,)
    )
    await world.join()
    await world.cog.optout.callback(world.cog, world.interaction(), True)
    decision = await world.cog.handle_message(world.message("read me?"))
    assert not decision.speak
    await world.cog.voice_name.callback(world.cog, world.interaction(), "Ally")
    forget = world.interaction()
    await world.cog.forget.callback(world.cog, forget)
    assert "Deleted" in forget.last
    # Forgetting someone must not opt them back in: the bare flag is all that stays.
    user = await world.services.settings.get_user(world.guild.id, world.member.id)
    assert user == type(user)(world.guild.id, world.member.id, autoread_opt_out=True)
    assert not (await world.cog.handle_message(world.message("still private"))).speak


async def test_auto_read_speaks_and_reports_not_in_voice_once(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,)
    )
    first, second = world.message("hello?"), world.message("anyone?")
    await world.cog.handle_message(first)
    await world.cog.handle_message(second)
    assert first.reactions == ["🔇"] and second.reactions == []  # once per idle period
    assert world.text.sent == ["I am not in a voice channel; use /tts join first."]

    voice_client = await world.join()
    spoken = world.message("Read this <@42> please", mentions=[world.owner])
    decision = await world.cog.handle_message(spoken)
    assert decision.speak and spoken.reactions == []
    await world.drained()
    assert len(voice_client.segments) == 1
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == len("Alice said, Read this Owner please")

    bot_author = FakeMember(id=5, display_name="Robot", bot=True)
    assert not (await world.cog.handle_message(world.message("beep", bot_author))).speak


async def test_auto_join_on_first_message(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,), auto_join=True
    )
    decision = await world.cog.handle_message(world.message("Join me!"))
    assert decision.join_channel_id == world.voice.id
    assert world.services.players.get(world.guild.id) is not None
    await world.drained()
    assert len(world.voice.clients[-1].segments) == 1


async def test_auto_read_budget_exhausted_reacts(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,), guild_daily_chars=3
    )
    await world.join()
    message = world.message("far too much")
    await world.cog.handle_message(message)
    assert message.reactions == ["⏳"]
    assert "midnight UTC" in world.text.sent[-1]


async def test_context_menu_speaks_someone_elses_message(world: World) -> None:
    await world.join()
    interaction = world.interaction(world.owner)
    message = world.message("Quote me on this.")
    await world.cog.speak_menu.callback(interaction, message)  # bound at cog init
    assert "Alice said, Quote me on this." in interaction.last
    usage = await world.services.settings.usage(
        world.guild.id, OWNER_ID, world.services.budget.today()
    )
    assert usage.user_chars > 0  # the one who asked pays


async def test_leave_when_only_bots_remain(world: World) -> None:
    voice_client = await world.join()
    bot_member = FakeMember(id=BOT_USER_ID, display_name="Vocu", bot=True)
    world.voice.members[:] = [bot_member]  # Alice left
    before = discord.VoiceState.__new__(discord.VoiceState)
    before.channel = world.voice  # type: ignore[assignment]
    after = discord.VoiceState.__new__(discord.VoiceState)
    after.channel = None  # type: ignore[assignment]
    world.member.guild = world.guild
    await world.cog.on_voice_state_update(world.member, before, after)
    assert voice_client.disconnected
    assert world.services.players.get(world.guild.id) is None
    # An emptied channel is not a "leave for good": the next message (or a restart) re-joins it.
    saved = await world.services.settings.get_guild(world.guild.id)
    assert saved.voice_channel_id == world.voice.id


async def test_leave_after_inactivity(world: World) -> None:
    voice_client = await world.join()
    await world.services.settings.update_guild(world.guild.id, inactivity_timeout_seconds=300)
    world.clock.now += 299
    assert await world.cog.leave_idle_guilds() == []
    world.clock.now += 2
    assert await world.cog.leave_idle_guilds() == [world.guild.id]
    assert voice_client.disconnected


async def test_rejoin_saved_channel_after_restart(world: World) -> None:
    await world.services.settings.update_guild(world.guild.id, voice_channel_id=world.voice.id)
    await world.services.settings.update_guild(555, voice_channel_id=1)  # guild gone
    joined = await world.cog.rejoin_saved_channels({world.guild.id: world.guild}.get)
    assert joined == [world.guild.id]
    assert world.services.players.get(world.guild.id) is not None
    assert (await world.services.settings.get_guild(555)).voice_channel_id is None


async def test_leave_command_forgets_the_channel(world: World) -> None:
    voice_client = await world.join()
    interaction = world.interaction()
    await world.cog.leave.callback(world.cog, interaction)
    assert interaction.last == "Left the voice channel."
    assert voice_client.disconnected
    assert (await world.services.settings.get_guild(world.guild.id)).voice_channel_id is None
    again = world.interaction()
    await world.cog.leave.callback(world.cog, again)
    assert again.last == "I am not in a voice channel."


async def test_voices_lists_pages(world: World) -> None:
    interaction = world.interaction()
    await world.cog.voices.callback(world.cog, interaction, 1)
    assert interaction.last.startswith("Voices (page 1/1)")
    assert all(name in interaction.last for name in USABLE)
    assert "Carol" not in interaction.last
