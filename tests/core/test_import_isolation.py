"""The core must import without Home Assistant or discord.py installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import vocu_client

PACKAGE_DIR = Path(vocu_client.__file__).parent


def test_core_imports_with_homeassistant_and_discord_blocked() -> None:
    modules = sorted(p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__")
    assert {"client", "cli", "text", "redact", "streaming", "turbo", "_http"} <= set(modules)
    script = textwrap.dedent(
        f"""
        import importlib, sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("homeassistant", "discord"):
                    raise ImportError(f"blocked import of {{name}}")
                return None

        sys.meta_path.insert(0, Blocker())
        for name in {modules!r}:
            importlib.import_module("vocu_client." + name)
        import vocu_client
        assert not any(m.split(".")[0] in ("homeassistant", "discord") for m in sys.modules)
        print("ok", len({modules!r}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_core_uses_relative_imports_only() -> None:
    for source in PACKAGE_DIR.glob("*.py"):
        for line in source.read_text().splitlines():
            stripped = line.strip()
            assert not stripped.startswith(
                ("from vocu_client", "import vocu_client", "from custom_components")
            ), f"{source.name}: {line}"
