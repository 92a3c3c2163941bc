"""`vocu --provider noiz|minimax`: the same commands on other services, one-line refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mutagen.mp3
import pytest
from vocu_client.cli import base_url_of, build_parser, main
from vocu_emulator import seed
from vocu_emulator.routes_minimax import minimax_state
from vocu_emulator.routes_minimax_official import official_state

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)


@pytest.fixture
def env(vocu_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("VOCU_TOKEN", "VOCU_BASE_URL", "VOCU_PROVIDER", "USEAPI_ACCOUNT",
                 "MINIMAX_GROUP_ID"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOIZ_API_KEY", seed.NOIZ_KEY)
    monkeypatch.setenv("NOIZ_BASE_URL", vocu_emulator.url("/noiz/v1"))
    monkeypatch.setenv("USEAPI_TOKEN", seed.USEAPI_TOKEN)
    monkeypatch.setenv("USEAPI_BASE_URL", vocu_emulator.url("/useapi/v1/minimax"))
    monkeypatch.setenv("MINIMAX_API_KEY", seed.MINIMAX_API_KEY)
    monkeypatch.setenv("MINIMAX_BASE_URL", vocu_emulator.url("/minimax"))
    return vocu_emulator


@pytest.mark.parametrize(
    ("provider", "voice"),
    [("noiz", seed.NOIZ_VOICE_ID), ("minimax", seed.MINIMAX_CLONE_ID),
     ("minimax_official", seed.MINIMAX_OFFICIAL_CLONE_ID)],
)  # fmt: skip
def test_say_and_voices_with_provider(
    env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], provider: str, voice: str
) -> None:
    out = tmp_path / "out.mp3"
    text = "A sentence for the command line. " * 20  # 660 chars: MiniMax needs two requests
    assert main(["--provider", provider, "say", text, "--voice", voice, "-o", str(out)]) == 0
    assert mutagen.mp3.MP3(out).info.length > 5
    assert main(["--provider", provider, "voices", "--own"]) == 0
    assert voice in capsys.readouterr().out


def test_provider_from_environment(
    env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOCU_PROVIDER", "noiz")
    assert main(["voices"]) == 0
    assert seed.NOIZ_BUILTIN_IDS[0] in capsys.readouterr().out


@pytest.mark.parametrize(
    ("provider", "argv", "line"),
    [
        ("noiz", ["account"], "noiz has no account endpoint"),
        ("minimax", ["account"], "minimax has no account endpoint"),
        ("noiz", ["presets"], "noiz has no presets"),
        ("minimax", ["jobs", "list"], "minimax has no asynchronous jobs"),
        ("minimax", ["clone", "https://x.example/a.wav", "--name", "U"], "minimax has no cloning"),
    ],
)
def test_missing_capability_is_one_clear_line(
    env: Any, capsys: pytest.CaptureFixture[str], provider: str, argv: list[str], line: str
) -> None:
    assert main(["--provider", provider, *argv]) == 12
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and line in err[0]
    assert env.requests == []  # refused before sending anything


def test_clone_from_url_and_delete_on_noiz(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://samples.example.com/me.mp3"
    assert main(["--provider", "noiz", "clone", url, "--name", "Mine", "--language", "en-us"]) == 0
    voice_id = capsys.readouterr().out.strip()
    assert voice_id.startswith("nz-voice-")
    assert main(["--provider", "noiz", "delete", voice_id]) == 0
    assert main(["--provider", "noiz", "delete", voice_id]) == 6  # soft-deleted: not found


def test_clone_file_on_minimax_with_account(
    env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "me.wav"
    sample.write_bytes(WAV)
    monkeypatch.setenv("USEAPI_TOKEN", seed.USEAPI_MULTI_TOKEN)
    assert main(["--provider", "minimax", "voices"]) == 2  # several accounts: account required
    assert "account" in capsys.readouterr().err
    account = seed.MINIMAX_ACCOUNTS_MULTI[0]
    argv = ["--provider", "minimax", "--account", account, "clone", str(sample), "--name", "Me"]
    assert main(argv) == 0
    voice_id = capsys.readouterr().out.strip()
    assert voice_id in minimax_state(env).cloned[account]


def test_clone_on_minimax_official_with_voice_id_and_group_id(
    env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "me.wav"
    sample.write_bytes(WAV)
    monkeypatch.setenv("MINIMAX_GROUP_ID", seed.MINIMAX_GROUP_ID)
    bad = ["--provider", "minimax_official", "clone", str(sample), "--name", "Me",
           "--voice-id", "me"]  # fmt: skip
    assert main(bad) == 2  # checked before anything is sent
    assert "letter first" in capsys.readouterr().err and env.requests == []
    assert main([*bad[:-1], "Me-voice-01"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "Me-voice-01" and "7 days" in captured.err
    assert "Me-voice-01" in official_state(env).keys[seed.MINIMAX_API_KEY].clones
    assert {r.query.get("GroupId") for r in env.requests} == {seed.MINIMAX_GROUP_ID}
    assert main(["--provider", "noiz", "clone", str(sample), "--name", "N", "--voice-id",
                 "Me-voice-02"]) == 2  # fmt: skip
    assert "minimax_official only" in capsys.readouterr().err


def test_minimax_official_host_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIMAX_BASE_URL", raising=False)
    parser = build_parser()
    cases = [("mainland", "https://api.minimaxi.com"), ("global", "https://api.minimax.io"),
             ("http://127.0.0.1:9/minimax", "http://127.0.0.1:9/minimax")]  # fmt: skip
    for given, expected in cases:
        args = parser.parse_args(["--provider", "minimax_official", "--base-url", given, "voices"])
        assert base_url_of(args) == expected
    monkeypatch.setenv("MINIMAX_BASE_URL", "mainland")
    args = parser.parse_args(["--provider", "minimax_official", "voices"])
    assert base_url_of(args) == "https://api.minimaxi.com"


def test_token_env_and_missing_token(
    env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOIZ_API_KEY")
    assert main(["--provider", "noiz", "voices"]) == 3
    assert "NOIZ_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("MY_NOIZ_KEY", seed.NOIZ_KEY)
    assert main(["--provider", "noiz", "--token-env", "MY_NOIZ_KEY", "voices"]) == 0
    monkeypatch.setenv("MY_NOIZ_KEY", "not-a-real-key-123")
    assert main(["--provider", "noiz", "--token-env", "MY_NOIZ_KEY", "voices"]) == 3
    assert "not-a-real-key-123" not in capsys.readouterr().err


def test_out_of_credit_on_noiz_names_the_cause(
    env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NOIZ_API_KEY", seed.NOIZ_LOW_CREDIT_KEY)
    argv = ["--provider", "noiz", "say", "Too long for five credits.", "--voice"]
    assert main([*argv, seed.NOIZ_VOICE_ID, "-o", "-"]) == 5
    assert "insufficient credits" in capsys.readouterr().err
