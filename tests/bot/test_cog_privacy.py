"""Privacy: opt-outs hold on every path that speaks someone's words; logs hold no words or names."""

from __future__ import annotations

import logging

import pytest
from bot_fakes import FakeMember, World, world_fixture  # noqa: F401 - provides `world`
from vocu_discord.logging_setup import GATEWAY_LOGGER, setup_logging
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.pytest_plugin import EmulatorHandle

SECRET_TEXT = "Xylophone quartz marmalade"
SECRET_NAME = "Zebediah"


async def test_speak_this_message_respects_the_authors_opt_out(world: World) -> None:
    await world.join()
    await world.cog.optout.callback(world.cog, world.interaction(world.owner), True)
    message = world.message("Please do not read me.", world.owner)
    asking = world.interaction()
    await world.cog.speak_message(asking, message)
    assert asking.last == "That member asked for their messages not to be read aloud."
    player = world.services.players.get(world.guild.id)
    assert player.current is None and player.queue_snapshot() == []
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == 0

    own = world.interaction(world.owner)  # the author may still have their own words read
    await world.cog.speak_message(own, message)
    assert own.last.startswith("Queued")


async def test_no_message_text_or_display_name_in_our_logs(
    world: World, vocu_emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    speaker = FakeMember(id=8, display_name=SECRET_NAME, guild=world.guild)
    world.guild.members[speaker.id] = speaker
    speaker.join(world.voice)
    await world.services.settings.update_guild(
        world.guild.id, autoread_channel_ids=(world.text.id,)
    )
    await world.join()
    say = world.interaction(speaker)
    await world.cog.say.callback(world.cog, say, SECRET_TEXT, seed.BOB_ID)
    assert say.last.startswith("Queued")  # the reply to its author may quote them
    await world.drained()
    # A failing item is logged at WARNING by the player and at INFO by the speaker.
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate*", status=500, times=None))
    await world.cog.handle_message(world.message(SECRET_TEXT, speaker))
    await world.drained()
    ours = [
        record
        for record in caplog.records
        if record.name.startswith(("vocu_discord", "vocu_client"))
    ]
    assert any("Could not speak" in record.getMessage() for record in ours)
    for record in ours:
        logged = record.getMessage() + (caplog.text if record.exc_info else "")
        for secret in (SECRET_NAME, "Xylophone", "marmalade"):
            assert secret not in logged, (record.name, record.levelname, record.getMessage())


def test_logging_setup_keeps_gateway_payloads_out_even_at_debug() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogger(GATEWAY_LOGGER).level)
    try:
        setup_logging(logging.DEBUG)
        assert logging.getLogger("vocu_discord").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger(GATEWAY_LOGGER).isEnabledFor(logging.DEBUG)
        assert logging.getLogger(GATEWAY_LOGGER).isEnabledFor(logging.INFO)
    finally:
        for handler in root.handlers[:]:
            if handler not in saved[1]:
                root.removeHandler(handler)
        root.setLevel(saved[0])
        logging.getLogger(GATEWAY_LOGGER).setLevel(saved[2])
