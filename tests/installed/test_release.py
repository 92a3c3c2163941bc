"""scripts/release: three artifacts from HEAD, each checked, each printed with its sha256."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import vocu_client

from .dists import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_release_builds_checks_and_prints_the_artifacts(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release.py"), "--out", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    printed = dict(reversed(line.split("  ", 1)) for line in done.stdout.splitlines())
    version = vocu_client.__version__
    expected = {
        out / f"vocu_voice-{version}-py3-none-any.whl",
        out / f"vocu_voice-{version}.tar.gz",
        out / "vocu.zip",
    }
    assert {Path(path) for path in printed} == expected
    for path, digest in printed.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
    with zipfile.ZipFile(out / "vocu.zip") as archive:
        names = set(archive.namelist())
    assert {"manifest.json", "__init__.py", "brand/icon.png", "client/providers/noiz.py"} <= names
    assert not any(name.startswith("custom_components/") or "__pycache__" in name for name in names)
