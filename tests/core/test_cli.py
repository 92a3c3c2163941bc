"""The `vocu` command line, in-process through main() and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import mutagen.mp3
import pytest
from vocu_client.cli import main
from vocu_emulator import seed

from .conftest import requests_to

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)


@pytest.fixture
def cli_env(vocu_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    return vocu_emulator


def test_say_streams_mp3_into_a_file(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hello.mp3"
    code = main(
        [
            "say",
            "Hello from the command line.",
            "--voice",
            seed.BOB_ID,
            "--speed",
            "1.25",
            "--preset",
            "stable",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    assert mutagen.mp3.MP3(out).info.length > 0.1
    assert "wrote" in capsys.readouterr().err
    query = requests_to(cli_env, "/api/tts/simple-generate.mp3")[-1].query
    assert query["speechRate"] == "0.8" and query["preset"] == "stable"


def test_say_to_stdout_with_language_uses_post(
    cli_env: Any, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = main(
        [
            "say",
            "Bonjour.",
            "--voice",
            seed.ALICE_ID,
            "--language",
            "fr-fr",
            "--style",
            seed.CHEERFUL_STYLE_ID,
            "-o",
            "-",
        ]
    )
    assert code == 0
    assert capsysbinary.readouterr().out.startswith((b"ID3", b"\xff"))
    body = requests_to(cli_env, "/api/tts/simple-generate")[-1].json
    assert body["language"] == "fr-fr" and body["promptId"] == seed.CHEERFUL_STYLE_ID


def test_voices_account_presets(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices"]) == 0
    listing = capsys.readouterr().out
    assert "Alice" in listing and seed.LORA_PENDING_ID not in listing
    assert main(["voices", "--all", "--json"]) == 0
    voices = json.loads(capsys.readouterr().out)
    assert seed.LORA_PENDING_ID in {v["id"] for v in voices}
    assert main(["account"]) == 0
    assert f"credits: {seed.PAID_CREDIT + seed.PAID_BONUS}" in capsys.readouterr().out
    assert main(["account", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["user_id"] == seed.PAID_USER_ID
    assert main(["presets"]) == 0
    assert "balance" in capsys.readouterr().out


def test_clone_shows_progress_then_delete(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "me.wav"
    sample.write_bytes(WAV)
    code = main(
        [
            "clone",
            str(sample),
            "--name",
            "Me",
            "--language",
            "en-us",
            "--no-noise-filter",
            "--poll-interval",
            "0.05",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    voice_id = captured.out.strip()
    assert "creating" in captured.err
    assert requests_to(cli_env, "/api/voice", "POST")[-1].json["vocalFilter"] is False
    assert main(["delete", voice_id]) == 0
    assert main(["delete", voice_id]) == 6
    assert "not found" in capsys.readouterr().err


def test_clone_of_a_missing_file_is_one_clear_line(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clone", str(tmp_path / "nope.wav"), "--name", "X"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vocu: invalid request: cannot read") and "\n" not in err


def test_jobs_commands(cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "job.mp3"
    assert main(["jobs", "create", "A queued line.", "--voice", seed.BOB_ID, "-o", str(out)]) == 0
    job_id = capsys.readouterr().out.split("\t")[0]
    assert mutagen.mp3.MP3(out).info.length > 0.1
    assert main(["jobs", "list", "--limit", "5"]) == 0
    assert job_id in capsys.readouterr().out
    assert main(["jobs", "get", job_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "generated"
    assert main(["jobs", "wait", job_id]) == 0
    assert "generated" in capsys.readouterr().out
    assert main(["jobs", "delete", job_id]) == 0
    assert main(["jobs", "get", job_id]) == 6


def test_insufficient_credits_says_what_is_left_and_needed(
    cli_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", seed.LOW_CREDIT_TOKEN)
    text = "This needs more than twelve credits."
    out = tmp_path / "none.mp3"
    code = main(["say", text, "--voice", seed.BOB_ID, "-o", str(out)])
    assert code == 5
    assert capsys.readouterr().err.strip() == (
        f"vocu: insufficient credits: {seed.LOW_CREDIT} left, {len(text)} needed"
    )
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("argv", "token", "code", "words"),
    [
        (["account"], "sk-wrong-key-000000", 3, "authentication failed"),
        (["account"], "", 3, "VOCU_TOKEN"),
        (
            ["say", "Hi.", "--voice", seed.BOB_ID, "--language", "en", "-o", "-"],
            None,
            2,
            "unsupported language",
        ),
        (["say", "Hi.", "--voice", seed.CREATING_ID, "-o", "-"], None, 7, "voice not ready"),
    ],
)
def test_errors_are_one_line_with_distinct_exit_codes(  # noqa: PLR0917 - pytest fixtures
    cli_env: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    token: str | None,
    code: int,
    words: str,
) -> None:
    if token is not None:
        monkeypatch.setenv("VOCU_TOKEN", token)
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err
    assert seed.PAID_TOKEN not in err


def test_real_subprocess_writes_an_mp3(vocu_emulator: Any, tmp_path: Path) -> None:
    out = tmp_path / "sub.mp3"
    vocu = Path(sys.executable).parent / "vocu"
    env = {**os.environ, "VOCU_TOKEN": seed.PAID_TOKEN, "VOCU_BASE_URL": vocu_emulator.base_url}
    done = subprocess.run(
        [str(vocu), "say", "Spoken by a real process.", "--voice", seed.BOB_ID, "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert mutagen.mp3.MP3(out).info.length > 0.1
    assert seed.PAID_TOKEN not in done.stdout + done.stderr
