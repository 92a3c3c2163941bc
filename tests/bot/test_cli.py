"""Item 9: the command line — `--help` without network, the data directory, one-line failures."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from vocu_discord.__main__ import main
from vocu_discord.config import BotConfig
from vocu_discord.startup import EXIT_CONFIG, EXIT_VOICE_SERVICE, data_dir, prepare_data_dir
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


def test_help_lists_the_subcommands_without_touching_the_network() -> None:
    # No DISCORD_TOKEN and no network: --help must not try to log in.
    result = subprocess.run(
        [sys.executable, "-m", "vocu_discord", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for word in ("run", "sync", "check", "--version"):
        assert word in result.stdout


def test_the_sqlite_default_lives_in_the_data_directory(tmp_path: Path) -> None:
    assert data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "vocu-discord"
    assert data_dir({"VOCU_BOT_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
    config = BotConfig.from_env(
        {"DISCORD_TOKEN": "t", "VOCU_TOKEN": "k", "VOCU_BOT_DATA_DIR": str(tmp_path)}
    )
    assert config.database_url == f"sqlite:///{tmp_path / 'vocu-bot.sqlite3'}"


def test_a_legacy_database_in_the_working_directory_moves_once(tmp_path: Path) -> None:
    (tmp_path / "vocu-bot.sqlite3").write_bytes(b"old data")
    env = {"VOCU_BOT_DATA_DIR": str(tmp_path / "data")}
    prepare_data_dir(env, cwd=tmp_path)
    assert (tmp_path / "data" / "vocu-bot.sqlite3").read_bytes() == b"old data"
    assert not (tmp_path / "vocu-bot.sqlite3").exists()
    (tmp_path / "vocu-bot.sqlite3").write_bytes(b"another")
    prepare_data_dir(env, cwd=tmp_path)  # never over an existing database
    assert (tmp_path / "data" / "vocu-bot.sqlite3").read_bytes() == b"old data"


def test_a_malformed_database_url_fails_before_any_login(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("VOCU_TOKEN", "k")
    monkeypatch.setenv("DATABASE_URL", "mysql://somewhere/db")
    assert main(["run"]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "DATABASE_URL" in err[0]


def test_check_names_a_refused_voice_key_in_one_line(
    vocu_emulator: EmulatorHandle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", "sk-not-a-key")
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    monkeypatch.setenv("VOCU_BOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["check"]) == EXIT_VOICE_SERVICE
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("vocu-discord-bot: Vocu at 127.0.0.1 refused the key (VOCU_TOKEN)")
    assert "sk-not-a-key" not in "\n".join(err)


@pytest.mark.parametrize(
    ("cluster", "runs"),
    [
        ({}, "all shards Discord recommends, in this one process"),
        (
            {
                "DISCORD_SHARD_COUNT": "4",
                "DISCORD_CLUSTER_COUNT": "2",
                "DISCORD_CLUSTER_INDEX": "1",
            },
            "shards 1, 3 of 4 (process 2 of 2)",
        ),
    ],
)
def test_check_says_which_shards_this_process_runs(  # noqa: PLR0917 - fixtures
    cluster: dict[str, str],
    runs: str,
    postgres_dsn: str,
    vocu_emulator: EmulatorHandle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    monkeypatch.setenv("VOCU_BOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", postgres_dsn)  # a cluster needs PostgreSQL
    for name, value in cluster.items():
        monkeypatch.setenv(name, value)
    assert main(["check"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("vocu-discord-bot: configuration, voice stack and database are fine;")
    assert out.endswith(f"; this process runs {runs}")
