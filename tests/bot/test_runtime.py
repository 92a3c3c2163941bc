"""The runnable bot: configuration from the environment, intents, entry point, SIGTERM shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from vocu_discord.bot import VocuBot, bot_intents, install_shutdown_signals
from vocu_discord.config import BotConfig, ConfigError
from vocu_emulator import seed
from vocu_emulator.pytest_plugin import EmulatorHandle


def test_config_from_env_defaults() -> None:
    config = BotConfig.from_env(
        {"DISCORD_TOKEN": "d-secret", "VOCU_TOKEN": "v-secret", "XDG_DATA_HOME": "/srv/data"}
    )
    # Next to a documented data directory, not wherever the bot happened to be started.
    assert config.database_url == "sqlite:////srv/data/vocu-discord/vocu-bot.sqlite3"
    assert config.provider == "vocu" and config.base_url is None  # the service's own API
    assert config.owner_ids == frozenset() and config.default_voice_id is None
    assert config.bot_daily_chars is None  # no bot-wide cap unless the operator sets one
    assert "secret" not in repr(config)


def test_config_from_env_all_values() -> None:
    config = BotConfig.from_env(
        {
            "DISCORD_TOKEN": "d",
            "VOCU_TOKEN": "v",
            "VOCU_BASE_URL": "http://127.0.0.1:8765",
            "DATABASE_URL": "postgresql://bot:pw@db/vocu",
            "VOCU_DEFAULT_VOICE": "voice-1",
            "BOT_OWNER_IDS": "1, 2 3",
            "BOT_DAILY_CHARS": "200_000",
        }
    )
    assert config.owner_ids == {1, 2, 3}
    assert config.bot_daily_chars == 200_000
    assert config.default_voice_id == "voice-1"
    assert config.base_url == "http://127.0.0.1:8765"
    assert "pw" not in repr(config)


@pytest.mark.parametrize(
    ("env", "provider", "key", "base_url", "account"),
    [
        ({"VOICE_PROVIDER": "noiz", "NOIZ_API_KEY": "noiz-secret-key", "NOIZ_BASE_URL": "http://x/noiz/v1",
          "VOCU_TOKEN": "v", "VOCU_BASE_URL": "http://vocu"}, "noiz", "noiz-secret-key", "http://x/noiz/v1",
         None),
        ({"VOICE_PROVIDER": "MiniMax", "USEAPI_TOKEN": "useapi-secret",
          "USEAPI_ACCOUNT": "ada@example.com"},
         "minimax", "useapi-secret", None, "ada@example.com"),
        ({"VOICE_PROVIDER": "minimax_official", "MINIMAX_API_KEY": "minimax-secret",
          "MINIMAX_BASE_URL": "mainland", "USEAPI_TOKEN": "u", "USEAPI_ACCOUNT": "ada@example.com"},
         "minimax_official", "minimax-secret", "https://api.minimaxi.com", None),
        ({"VOICE_PROVIDER": "minimax_official", "MINIMAX_API_KEY": "minimax-secret",
          "MINIMAX_BASE_URL": "http://127.0.0.1:8765/minimax"},
         "minimax_official", "minimax-secret", "http://127.0.0.1:8765/minimax", None),
    ],
)  # fmt: skip
def test_config_for_other_services_reads_their_own_variables(
    env: dict[str, str], provider: str, key: str, base_url: str | None, account: str | None
) -> None:
    config = BotConfig.from_env({"DISCORD_TOKEN": "d", **env})
    assert (config.provider, config.api_key, config.base_url, config.account) == (
        provider, key, base_url, account,
    )  # fmt: skip
    assert key not in repr(config)


def test_minimax_group_id_is_read_for_minimax_official_only() -> None:
    env = {"DISCORD_TOKEN": "d", "MINIMAX_API_KEY": "k", "MINIMAX_GROUP_ID": " 1900 "}
    official = BotConfig.from_env({**env, "VOICE_PROVIDER": "minimax_official"})
    assert official.group_id == "1900" and official.base_url is None
    assert BotConfig.from_env({**env, "VOICE_PROVIDER": "vocu", "VOCU_TOKEN": "v"}).group_id is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN and VOCU_TOKEN"),
        ({"DISCORD_TOKEN": "d"}, "VOCU_TOKEN"),
        ({"DISCORD_TOKEN": "d", "VOCU_TOKEN": "v", "BOT_OWNER_IDS": "alice"}, "BOT_OWNER_IDS"),
        ({"DISCORD_TOKEN": "d", "VOICE_PROVIDER": "noiz", "VOCU_TOKEN": "v"}, "NOIZ_API_KEY"),
        ({"DISCORD_TOKEN": "d", "VOICE_PROVIDER": "acme"}, "VOICE_PROVIDER must be one of"),
        ({"DISCORD_TOKEN": "d", "VOCU_TOKEN": "v", "BOT_DAILY_CHARS": "lots"}, "BOT_DAILY_CHARS"),
    ],
)
def test_config_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BotConfig.from_env(env)


def test_intents_include_message_content_and_voice_states() -> None:
    intents = bot_intents()
    assert intents.guilds and intents.voice_states and intents.guild_messages
    assert intents.message_content
    assert not intents.members and not intents.presences  # no other privileged intents


def test_entry_point_without_configuration_fails_loudly(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISCORD_TOKEN", "VOCU_TOKEN")
    }
    done = subprocess.run(
        [sys.executable, "-m", "vocu_discord"], env=env, capture_output=True, text=True,
        timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "vocu-discord-bot: Set DISCORD_TOKEN and VOCU_TOKEN in the environment."
    )


@pytest.fixture
def keep_modules() -> Iterator[None]:
    saved = {name: mod for name, mod in sys.modules.items() if name.startswith("vocu_discord")}
    yield
    sys.modules.update(saved)


async def test_sigterm_closes_voice_players_and_services(
    vocu_emulator: EmulatorHandle, tmp_path: Path, keep_modules: None
) -> None:
    from bot_fakes import FakeGuild, FakeVoiceChannel  # noqa: PLC0415
    from vocu_discord.services import BotServices  # noqa: PLC0415

    config = BotConfig(
        discord_token="unused",
        api_key=seed.PAID_TOKEN,
        base_url=vocu_emulator.base_url,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    bot = VocuBot(config)
    # The parts of setup_hook that need no Discord login:
    bot.vocu_services = await BotServices.from_config(config)
    services = bot.vocu_services
    await bot.load_extension("vocu_discord")
    cog = bot.get_cog("tts")
    channel = FakeVoiceChannel()
    await cog.join_channel(FakeGuild(), channel)
    assert services.players.get(FakeGuild().id) is not None

    uninstall = install_shutdown_signals(bot)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        async with asyncio.timeout(30):
            while not bot.is_closed():  # noqa: ASYNC110 - Client exposes no "closed" event
                await asyncio.sleep(0.01)
    finally:
        await uninstall()
    assert services.players.get(FakeGuild().id) is None
    assert bot.tree.get_command("tts") is None
    assert bot.vocu_services is None
    with pytest.raises(ValueError, match="no active connection"):
        await services.settings.get_guild(1)  # the database was closed too
    for voice_client in channel.clients:
        voice_client.join(timeout=10)


def test_bot_imports_neither_home_assistant_nor_its_integration() -> None:
    code = (
        "import sys, vocu_discord.bot, vocu_discord.cog, vocu_discord.__main__\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('homeassistant', 'custom_components'))\n"
        "print(','.join(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
