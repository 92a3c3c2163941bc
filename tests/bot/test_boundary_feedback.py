"""An answer the client cannot parse reaches a Discord user as one clear sentence."""

from __future__ import annotations

from bot_fakes import (
    World,
    world_fixture,  # noqa: F401 - provides the `world` fixture
)
from vocu_emulator.pytest_plugin import EmulatorHandle


async def test_unexpected_answer_is_a_clear_reply(
    world: World, vocu_emulator: EmulatorHandle
) -> None:
    world.services.catalog.invalidate()  # no cached list from an earlier test
    vocu_emulator.inject(
        path="/api/voice", body='{"status":200,"data":{"not":"a list"}}', times=None
    )
    interaction = world.interaction()
    await world.cog.voices.callback(world.cog, interaction, 1)
    assert interaction.last == (
        "The voice service sent an answer I do not understand; try again later."
    )
