"""Build the release artifacts from the committed tree, check each, print paths and sha256.

- the wheel and the sdist (`python -m build`), checked by installing the wheel into a fresh
  virtualenv and running its `vocu --version`;
- the integration zip, the files of custom_components/vocu at the zip's root (HACS unpacks a
  release zip into custom_components/vocu/), checked by unzipping it into a fresh Home Assistant
  config and setting it up in the test harness against the emulator.

hacs.json keeps zip_release off until a GitHub release carries that zip.
Run through scripts/release (which provides the venv); artifacts go to dist/ unless --out.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ZIP_CHECK_CONFTEST = '''
import pytest

pytest_plugins = ["vocu_emulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def _harness(enable_custom_integrations, socket_enabled):
    """Custom integrations from this config's custom_components/; loopback sockets allowed."""
'''

ZIP_CHECK_TEST = """
from pathlib import Path

# Imported at collection, as the repository's tests do: once the `hass` fixture has put the
# harness's testing_config on sys.path, `custom_components` would resolve there instead.
import custom_components.vocu as released
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import seed

CONFIG = Path(__file__).resolve().parent


async def test_released_integration_loads(hass, vocu_emulator):
    assert Path(released.__file__).is_relative_to(CONFIG / "custom_components" / "vocu")
    entry = MockConfigEntry(
        domain="vocu",
        title="release check",
        unique_id=seed.PAID_USER_ID,
        data={
            "provider": "vocu",
            CONF_API_KEY: seed.PAID_TOKEN,
            "host": "custom",
            "base_url": vocu_emulator.base_url,
            "async_mode": False,
        },
        options={},
        version=1,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.async_entity_ids("tts")
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
"""


def say(message: str) -> None:
    print(f"[release] {message}", file=sys.stderr, flush=True)


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], check=True, text=True, **kwargs)  # type: ignore[call-overload]


def export_committed_tree(target: Path) -> Path:
    """HEAD's files only: what a tag would release, never uncommitted or ignored leftovers."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def build_python_dists(tree: Path, out: Path) -> tuple[Path, Path]:
    run(sys.executable, "-m", "build", "--outdir", out, tree, capture_output=True)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def build_integration_zip(tree: Path, out: Path) -> Path:
    source = tree / "custom_components" / "vocu"
    path = out / "vocu.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(source.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(source).as_posix())
    return path


def check_wheel(wheel: Path, work: Path, version: str) -> None:
    venv = work / "wheel-venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
        "--disable-pip-version-check", wheel,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    shown = run(venv / "bin" / "vocu", "--version", capture_output=True, cwd=work).stdout.strip()
    if shown != f"vocu {version}":
        raise SystemExit(f"the installed wheel says {shown!r}, expected 'vocu {version}'")
    run(venv / "bin" / "python", "-c", "import vocu_client.providers", cwd=work)


def check_zip(archive: Path, work: Path) -> None:
    config = work / "ha-config"
    integration = config / "custom_components" / "vocu"
    integration.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        if "manifest.json" not in names:
            raise SystemExit("the zip has no manifest.json at its root")
        zipped.extractall(integration)
    (config / "conftest.py").write_text(ZIP_CHECK_CONFTEST)
    (config / "test_release_zip.py").write_text(ZIP_CHECK_TEST)
    run(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", config,
        "-c", os.devnull, "-o", "asyncio_mode=auto",
        "-o", "asyncio_default_fixture_loop_scope=function", config / "test_release_zip.py",
        cwd=config, stdout=sys.stderr,  # stdout carries only the artifact lines
    )  # fmt: skip


def release_version(tree: Path) -> str:
    """vocu_client.__version__, which manifest.json must repeat."""
    init = (tree / "custom_components/vocu/client/__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"$', init, re.MULTILINE)
    if match is None:
        raise SystemExit("no __version__ in vocu_client/__init__.py")
    manifest = json.loads((tree / "custom_components/vocu/manifest.json").read_text())
    if manifest["version"] != match.group(1):
        raise SystemExit(f"manifest.json says {manifest['version']}, vocu_client {match.group(1)}")
    return match.group(1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="default: dist/")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="vocu-release-") as temp:
        work = Path(temp)
        tree = export_committed_tree(work / "tree")
        version = release_version(tree)
        say(f"building {version} from HEAD")
        wheel, sdist = build_python_dists(tree, out)
        archive = build_integration_zip(tree, out)
        say("checking the wheel in a fresh virtualenv")
        check_wheel(wheel, work, version)
        say("checking the integration zip in a fresh Home Assistant config")
        check_zip(archive, work)
    for artifact in (wheel, sdist, archive):
        print(f"{sha256(artifact)}  {artifact}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
