"""The `vocu` command line at its edges: bad arguments, odd outputs, a full disk.

Each problem is one line on stderr with a distinct exit code, before any billed request where it
can be known in advance, and never a traceback or the key.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from vocu_client.cli import EXIT_USAGE, main
from vocu_emulator import seed

from .conftest import requests_to

SAY = "/api/tts/simple-generate.mp3"


@pytest.fixture
def cli_env(vocu_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    return vocu_emulator


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert seed.PAID_TOKEN not in err
    return err


def test_argument_that_is_not_utf8_is_a_usage_error(
    cli_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # What Python makes of the bytes b"caf\xe9" on a UTF-8 system: a lone surrogate.
    assert main(["say", "caf\udce9", "--voice", seed.BOB_ID, "-o", "-"]) == EXIT_USAGE
    assert "not valid UTF-8" in _one_line(capsys)
    assert requests_to(cli_env, SAY) == []


def test_key_with_characters_a_header_cannot_carry_is_refused_unsent(
    cli_env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", "sk-caf\u00e9-key")
    assert main(["say", "Hi.", "--voice", seed.BOB_ID, "-o", "-"]) == 3
    err = _one_line(capsys)
    assert "cannot have" in err and "sk-caf" not in err
    assert requests_to(cli_env, SAY) == []


def test_stdin_that_is_not_utf8_is_a_usage_error(
    cli_env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 \xff\xfe")))
    assert main(["say", "-", "--voice", seed.BOB_ID, "-o", "-"]) == EXIT_USAGE
    assert "standard input is not valid UTF-8" in _one_line(capsys)
    assert requests_to(cli_env, SAY) == []


def test_output_under_a_file_is_refused_before_the_request(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a directory")
    output = blocker / "hello.mp3"
    assert main(["say", "Hi.", "--voice", seed.BOB_ID, "-o", str(output)]) == EXIT_USAGE
    assert "cannot write" in _one_line(capsys)
    assert requests_to(cli_env, SAY) == []
    assert blocker.read_text() == "a file, not a directory"


def test_device_output_is_written_directly(
    cli_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """/dev/null is no file to replace: no temporary file beside it, just the audio written."""
    assert main(["say", "Hi there.", "--voice", seed.BOB_ID, "-o", "/dev/null"]) == 0
    assert len(requests_to(cli_env, SAY)) == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux /dev/full")
def test_full_disk_is_one_line_not_a_traceback(
    cli_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["say", "Hi there.", "--voice", seed.BOB_ID, "-o", "/dev/full"]) == 1
    assert "cannot write the output: No space left on device" in _one_line(capsys)


@pytest.mark.parametrize("limit", ["ten", "0"])
def test_jobs_limit_must_be_a_positive_whole_number(
    cli_env: Any, capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["jobs", "list", "--limit", limit])
    assert caught.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "whole number" in err or "or more" in err
    assert requests_to(cli_env, "/api/tts/generate") == []
