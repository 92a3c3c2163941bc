"""The voice-stack self-check: silent when complete, one clear line per missing piece otherwise."""

from __future__ import annotations

import pytest
from vocu_discord import selfcheck
from vocu_discord.selfcheck import (
    VoiceStackError,
    check_discord_version,
    check_ffmpeg,
    check_module,
    ensure_voice_stack,
    run_self_check,
)


def test_complete_environment_passes(ffmpeg_exe: str) -> None:
    assert run_self_check(ffmpeg=ffmpeg_exe) == []
    ensure_voice_stack(ffmpeg=ffmpeg_exe)


@pytest.mark.parametrize("version", ["2.6.4", "2.7.0", "1.7.3"])
def test_discord_without_dave_is_reported(version: str) -> None:
    problem = check_discord_version(version)
    assert problem and version in problem and "4017" in problem


def test_2_7_0_is_refused_for_its_optional_davey_not_for_lacking_dave() -> None:
    problem = check_discord_version("2.7.0")
    assert problem and "optional davey" in problem and "no DAVE" not in problem


def test_supported_discord_versions_pass() -> None:
    assert check_discord_version("2.7.1") is None
    assert check_discord_version("2.8.0a") is not None  # untested internals


def test_missing_module_names_the_package_and_why() -> None:
    problem = check_module("davey_not_installed_here", selfcheck.REQUIRED_MODULES["davey"])
    assert problem and problem.startswith("davey_not_installed_here is missing")
    assert "DAVE" in problem


@pytest.mark.parametrize(
    ("executable", "fragment"),
    [(None, "not found"), ("/nonexistent/ffmpeg", "cannot run"), ("/bin/true", "no libopus")],
)
def test_unusable_ffmpeg_is_reported(executable: str | None, fragment: str) -> None:
    problem = check_ffmpeg(executable)
    assert problem and fragment in problem


def test_ensure_voice_stack_raises_one_line_per_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(selfcheck.REQUIRED_MODULES, "davey_not_installed_here", "DAVE voice")
    monkeypatch.setitem(selfcheck.REQUIRED_MODULES, "nacl_not_installed_here", "encryption")
    with pytest.raises(VoiceStackError) as caught:
        ensure_voice_stack(ffmpeg="/nonexistent/ffmpeg")
    problems = caught.value.problems
    assert len(problems) == 3
    assert all("\n" not in problem for problem in problems)
    assert str(caught.value).count("\n- ") == 3
