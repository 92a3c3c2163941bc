"""The wheel installed (not editable) into fresh virtualenvs, on Python 3.11 and the newest Python.

First plain `pip install vocu-voice` (aiohttp only): `vocu` works and speaks against the emulator,
`vocu-discord-bot` says in one line which extra it needs. Then the same venv gets
`[discord,emulator]`: every command's --help and every module imports.

Not imported here: `vocu_emulator.pytest_plugin` (a pytest plugin: only meaningful, and only
importable, under pytest) and `vocu_devtools` (the demo's and e2e tests' helpers; they drive Home
Assistant and a browser, which no extra installs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import mutagen.mp3
import pytest
import vocu_client
from vocu_emulator import seed

from .dists import Dists, clean_checkout, newest_python, python_311, source_modules

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

NOT_IMPORTED = {"vocu_emulator.pytest_plugin"}
CHECKED_PACKAGES = ("vocu_client", "vocu_discord", "vocu_emulator")

IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
skip = set(sys.argv[2].split(","))
imported = []
for top in sys.argv[1].split(","):
    package = importlib.import_module(top)
    imported.append(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if info.name in skip:
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({"imported": imported, "files": {m: sys.modules[m].__file__ for m in imported}}))
"""


def expected_modules() -> set[str]:
    """Every module of the checked packages, by import name (`__main__` too)."""
    names = set()
    for path in source_modules():
        name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        if name.split(".")[0] in CHECKED_PACKAGES and name not in NOT_IMPORTED:
            names.add(name)
    return names


class Venv:
    def __init__(self, path: Path, python: str) -> None:
        self.path = path
        subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
        self.python = str(path / "bin" / "python")

    def pip_install(self, requirement: str) -> None:
        # The test venv's pip installs into the new one (`--python`): no ensurepip needed there,
        # and the user's pip cache keeps repeated runs quick.
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", self.python, "install", "-q",
             "--disable-pip-version-check", requirement],
            check=True,
            timeout=900,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip

    def run(
        self, *command: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A console script of the venv (or its python), with no VOCU_/DISCORD_ settings leaking."""
        first = command[0]
        executable = first if first == self.python else str(self.path / "bin" / first)
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("VOCU_", "DISCORD_"))}
        return subprocess.run(
            [executable, *command[1:]],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.path,  # not the repository: nothing importable from the source tree
            env={**clean, **(env or {})},
        )


def interpreter(which: str) -> str:
    if which == "newest":
        return newest_python()
    found = python_311()
    if found is None:
        pytest.fail(
            "no Python 3.11 found (VOCU_PYTHON311, python3.11, /usr/bin/python3, pyenv): "
            "requires-python claims 3.11, so it must be tested"
        )
    return found


@pytest.mark.parametrize("which", ["3.11", "newest"])
def test_installed_wheel(which: str, dists: Dists, vocu_emulator: Any, tmp_path: Path) -> None:
    venv = Venv(tmp_path / "venv", interpreter(which))
    version = venv.run(venv.python, "-c", "import sys; print(*sys.version_info[:2])").stdout.split()
    if which == "3.11":
        assert version == ["3", "11"]

    # Plain install: the client and its CLI, aiohttp only.
    venv.pip_install(str(dists.wheel))
    help_ = venv.run("vocu", "--help")
    assert help_.returncode == 0, help_.stderr
    assert venv.run("vocu", "--version").stdout.strip() == f"vocu {vocu_client.__version__}"
    out = tmp_path / "installed.mp3"
    said = venv.run(
        "vocu", "say", "Installed from the wheel.", "--voice", seed.BOB_ID, "--output", str(out),
        env={"VOCU_TOKEN": seed.PAID_TOKEN, "VOCU_BASE_URL": vocu_emulator.base_url},
    )  # fmt: skip
    assert said.returncode == 0, said.stderr
    assert mutagen.mp3.MP3(out).info.length > 0.1
    bot = venv.run("vocu-discord-bot")
    assert bot.returncode == 2
    assert len(bot.stderr.strip().splitlines()) == 1, bot.stderr
    assert "[discord]" in bot.stderr

    # With the extras: the bot (and its optional Lavalink engine) and the emulator.
    venv.pip_install(f"{dists.wheel}[discord,emulator,lavalink]")
    for command in ("vocu", "vocu-discord-bot", "vocu-emulator"):
        done = venv.run(command, "--help")
        assert done.returncode == 0, (command, done.stderr)
        assert done.stdout.startswith(f"usage: {command}"), done.stdout
    assert venv.run("vocu-discord-bot", "--version").stdout.strip() == (
        f"vocu-discord-bot {vocu_client.__version__}"
    )

    done = venv.run(
        venv.python, "-c", IMPORT_EVERY_MODULE, ",".join(CHECKED_PACKAGES), ",".join(NOT_IMPORTED)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["imported"]) == expected_modules()
    for module, file in report["files"].items():
        assert file.startswith(str(venv.path)), f"{module} came from {file}, not the venv"


def test_bootstrap_discord_makes_its_own_venv_with_python_311(tmp_path: Path) -> None:
    """`scripts/bootstrap discord`: the bot alone, in .venv-bot, on the system's Python 3.11."""
    python = interpreter("3.11")
    clone = clean_checkout(tmp_path / "clone")
    done = subprocess.run(
        [str(clone / "scripts" / "bootstrap"), "discord"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "VOCU_PYTHON": python},
    )
    assert done.returncode == 0, done.stderr
    venv_python = clone / ".venv-bot" / "bin" / "python"
    assert done.stdout.strip() == str(venv_python)
    assert not (clone / ".venv").exists()  # the test venv (Python 3.14) is not touched
    version = subprocess.run(
        [str(clone / ".venv-bot" / "bin" / "vocu-discord-bot"), "--version"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert version.stdout.strip() == f"vocu-discord-bot {vocu_client.__version__}"
    probe = "import sys, discord, vocu_discord.cog; print(*sys.version_info[:2])"
    done = subprocess.run(
        [str(venv_python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["3", "11"]
