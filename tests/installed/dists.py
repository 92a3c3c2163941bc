"""Building the wheel and sdist, and finding the interpreters the installed project must run on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MINIMUM_PYTHON = (3, 11)  # requires-python; CI's python3 is 3.11


@dataclass(frozen=True)
class Dists:
    wheel: Path
    sdist: Path


def clean_checkout(target: Path) -> Path:
    """The files a fresh clone has (tracked and new, not ignored), without build leftovers.

    An editable install leaves `*.egg-info/SOURCES.txt` in the tree, and setuptools packs every
    file it lists; building from the working tree would hide a sub-package missing from
    `packages`, as a fresh clone's `pip install .` does not.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def build_dists(work: Path) -> Dists:
    """`python -m build --wheel`, then `--sdist`, from a clean checkout (as `pip install .`)."""
    tree = clean_checkout(work / "tree")
    out = work / "dist"
    for kind in ("--wheel", "--sdist"):
        subprocess.run(
            [sys.executable, "-m", "build", kind, "--outdir", str(out), str(tree)],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dists(wheel=wheel, sdist=sdist)


def mapped_directories() -> dict[str, Path]:
    """Top-level import name → source directory, from [tool.setuptools] package-dir."""
    package_dir = PYPROJECT["tool"]["setuptools"]["package-dir"]
    return {name: ROOT / path for name, path in package_dir.items()}


def source_packages() -> set[str]:
    """Every package (directory with __init__.py) under each mapped directory, by import name."""
    found = set()
    for name, directory in mapped_directories().items():
        for init in directory.rglob("__init__.py"):
            relative = init.parent.relative_to(directory)
            found.add(".".join((name, *relative.parts)))
    return found


def source_modules() -> set[str]:
    """Every module file under each mapped directory, as its path inside the wheel."""
    found = set()
    for name, directory in mapped_directories().items():
        for module in directory.rglob("*.py"):
            found.add("/".join((name, *module.relative_to(directory).parts)))
    return found


def _version(python: str) -> tuple[int, int] | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor = done.stdout.split()
    return int(major), int(minor)


def python_311() -> str | None:
    """A CPython 3.11 (the oldest requires-python allows): VOCU_PYTHON311, PATH, /usr/bin, pyenv."""
    candidates = [os.environ.get("VOCU_PYTHON311", ""), "python3.11", "/usr/bin/python3.11"]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.11*/bin/python3"))]
    candidates += ["python3", "/usr/bin/python3"]
    for candidate in candidates:
        path = shutil.which(candidate) if candidate else None
        if path and _version(path) == MINIMUM_PYTHON:
            return path
    return None


def newest_python() -> str:
    """The interpreter scripts/bootstrap provides (Home Assistant's: the newest we support)."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "bootstrap"), "--python-only"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return done.stdout.strip()


def wheel_version(wheel: Path) -> str:
    match = re.match(r"[^-]+-([^-]+)-", wheel.name)
    assert match, wheel.name
    return match.group(1)
