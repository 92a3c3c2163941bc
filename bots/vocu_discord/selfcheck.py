"""Startup self-check of the voice stack: fail loudly, one line per missing piece.

Since 2026-03-02 Discord closes voice connections without DAVE end-to-end encryption (close code
4017), so a bot missing `davey` joins and is thrown out with no obvious reason. Checking up front
turns that, and a missing PyNaCl or FFmpeg, into a clear message before the bot logs in.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from collections.abc import Sequence

import discord

from .audio import find_ffmpeg

DAVE_DISCORD = (2, 7, 0)  # DAVE landed here, with davey optional
MIN_DISCORD = (2, 7, 1)  # davey mandatory
MAX_DISCORD_EXCLUSIVE = (2, 8)
FFMPEG_PROBE_TIMEOUT = 15.0

# module → why the bot needs it (each becomes the reason in its problem line)
REQUIRED_MODULES: dict[str, str] = {
    "davey": (
        "DAVE end-to-end encrypted voice, mandatory since 2026-03-02 "
        "(Discord closes other voice connections with 4017); install discord.py[voice]>=2.7.1"
    ),
    "nacl.secret": "voice transport encryption; install PyNaCl (discord.py[voice])",
}


class VoiceStackError(RuntimeError):
    """The voice stack is incomplete; ``problems`` has one human-readable line per missing piece."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Voice stack incomplete:\n" + "\n".join(f"- {p}" for p in self.problems))


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_discord_version(version: str = discord.__version__) -> str | None:
    parsed = _version_tuple(version)
    if parsed < DAVE_DISCORD:
        return (
            f"discord.py {version} is too old: it has no DAVE voice encryption "
            "(Discord disconnects it with 4017); use >= 2.7.1"
        )
    if parsed < MIN_DISCORD:
        return (
            f"discord.py {version} has DAVE only when the optional davey package is present "
            "(else Discord disconnects it with 4017); 2.7.1 makes davey mandatory: use >= 2.7.1"
        )
    if parsed[:2] >= MAX_DISCORD_EXCLUSIVE:
        return f"discord.py {version} is untested: the player relies on 2.7.x internals; use <2.8"
    return None


def check_module(module: str, reason: str) -> str | None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{module.split('.', maxsplit=1)[0]} is missing ({reason}): {exc}"
    return None


def check_ffmpeg(executable: str | None) -> str | None:
    """FFmpeg must exist, run, and encode Opus (discord.FFmpegOpusAudio uses libopus)."""
    if not executable:
        return "FFmpeg not found: put ffmpeg on PATH or install imageio-ffmpeg"
    try:
        completed = subprocess.run(
            [executable, "-hide_banner", "-encoders"],
            capture_output=True,
            timeout=FFMPEG_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"FFmpeg at {executable} cannot run: {type(exc).__name__}: {exc}"
    if completed.returncode != 0:
        return f"FFmpeg at {executable} failed (exit code {completed.returncode})"
    if not re.search(rb"^\s*A\S*\s+libopus\b", completed.stdout, re.MULTILINE):
        return f"FFmpeg at {executable} has no libopus encoder, which Discord audio needs"
    return None


def run_self_check(*, ffmpeg: str | None = None) -> list[str]:
    """Problems with the voice stack, one line each; empty when everything is in place."""
    results = [check_discord_version()]
    results += [check_module(module, reason) for module, reason in REQUIRED_MODULES.items()]
    results.append(check_ffmpeg(ffmpeg or find_ffmpeg()))
    return [problem for problem in results if problem]


def ensure_voice_stack(*, ffmpeg: str | None = None) -> None:
    """Raise `VoiceStackError` listing every missing piece; return quietly when all is there."""
    problems = run_self_check(ffmpeg=ffmpeg)
    if problems:
        raise VoiceStackError(problems)
