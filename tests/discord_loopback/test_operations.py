"""Item 9: the standalone bot's start-up — commands uploaded only when changed, one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_discord import LoopbackDiscord, loopback_in_thread, w
from vocu_discord.__main__ import main
from vocu_discord.bot import VocuBot, open_services
from vocu_discord.config import BotConfig
from vocu_discord.startup import EXIT_DISCORD
from vocu_emulator import seed
from vocu_emulator.handle import EmulatorHandle


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """`main` installs discord.py's log handler on the root logger (on the captured stderr)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


pytestmark = pytest.mark.e2e


def _env(tmp_path: Path, emulator: EmulatorHandle, token: str = w.BOT_TOKEN) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": token,
        "VOCU_TOKEN": seed.PAID_TOKEN,
        "VOCU_BASE_URL": emulator.base_url,
        "VOCU_BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_OWNER_IDS": "1",
    }


async def _start_and_stop(config: BotConfig, loopback: LoopbackDiscord) -> None:
    bot = VocuBot(config, services=await open_services(config), connector=loopback.connector())
    async with bot:
        await bot.login(config.discord_token)  # setup_hook: cog loaded, commands maybe synced


async def test_commands_are_uploaded_once_until_they_change(
    loopback: LoopbackDiscord, vocu_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    config = BotConfig.from_env(_env(tmp_path, vocu_emulator))
    (tmp_path / "data").mkdir()
    await _start_and_stop(config, loopback)
    await _start_and_stop(config, loopback)
    assert [scope for scope, _ in loopback.rest.command_uploads] == ["global"]
    names = {command["name"] for command in loopback.rest.command_uploads[0][1]}
    assert {"tts", "Speak this message"} <= names


def test_a_refused_discord_token_is_one_line_and_exit_code_4(
    vocu_emulator: EmulatorHandle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in _env(tmp_path, vocu_emulator, token="not-the-token").items():
        monkeypatch.setenv(name, value)
    with loopback_in_thread(tmp_path) as loopback:
        loopback.point_discord_py_here(monkeypatch)
        assert main(["run"]) == EXIT_DISCORD
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1] == (
        "vocu-discord-bot: Discord refused DISCORD_TOKEN (Developer Portal → Bot → Token)"
    )
    assert not any("Traceback" in line for line in lines)
