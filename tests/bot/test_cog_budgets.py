"""Budgets through the commands: simultaneous requests and the operator's bot-wide cap."""

from __future__ import annotations

import asyncio

import pytest
from bot_fakes import World, empty_postgres, world_fixture  # noqa: F401 - provides `world`
from vocu_emulator import seed


@pytest.fixture(params=["sqlite", "postgres"])
async def bot_database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Both backends: the cap must hold in one SQL statement on each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    return await empty_postgres(request.getfixturevalue("postgres_dsn"))


async def test_eight_simultaneous_says_cannot_pass_a_40_character_cap(world: World) -> None:
    await world.services.settings.update_guild(
        world.guild.id, user_daily_chars=40, announce_names=False
    )
    await world.join()
    interactions = [world.interaction() for _ in range(8)]
    await asyncio.gather(
        *(
            world.cog.say.callback(world.cog, interaction, "Ten chars.", seed.BOB_ID)
            for interaction in interactions
        )
    )
    answers = [interaction.last for interaction in interactions]
    assert sum(answer.startswith("Queued") for answer in answers) == 4
    assert sum("used 40 of 40" in answer for answer in answers) == 4
    await world.drained()
    usage = await world.services.settings.usage(
        world.guild.id, world.member.id, world.services.budget.today()
    )
    assert usage.user_chars == 40  # reconciled with what the service billed


async def test_bot_wide_cap_from_the_environment_refuses_with_a_clear_message(
    world: World,
) -> None:
    world.services.budget.bot_daily_chars = 12
    await world.services.settings.update_guild(world.guild.id, announce_names=False)
    await world.join()
    first, second = world.interaction(), world.interaction()
    await world.cog.say.callback(world.cog, first, "Ten chars.", seed.BOB_ID)
    await world.cog.say.callback(world.cog, second, "Ten chars.", seed.BOB_ID)
    assert first.last.startswith("Queued")
    assert "daily character limit its operator set for all servers" in second.last
