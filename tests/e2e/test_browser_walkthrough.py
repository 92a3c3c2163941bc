"""A person's walkthrough in Home Assistant's own frontend (Debian's Chromium, via Playwright).

The walkthrough runs as its own process (`python -m vocu_devtools.walkthrough`): Playwright's
driver and the browser then live outside the Home Assistant test harness, which would otherwise
count them as lingering threads. Each step asserts on the page and saves a screenshot under tmp.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vocu_devtools.browser import BrowserUnavailableError, ensure_chromium
from vocu_devtools.walkthrough import PROFILES

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing and we are root."""
    try:
        return ensure_chromium()
    except BrowserUnavailableError as exc:
        banner = "!" * 78
        print(f"\n{banner}\nBROWSER WALKTHROUGH SKIPPED: {exc}\n{banner}", file=sys.stderr)
        pytest.skip(f"no Chromium: {exc}")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_walkthrough_in_the_browser(
    chromium: str, vocu_emulator, tmp_path: Path, language: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vocu_devtools.walkthrough", "--out", str(tmp_path),
         "--language", language, "--emulator-url", vocu_emulator.base_url],
        capture_output=True, text=True, timeout=840, check=False,
        env={**os.environ, "VOCU_CHROMIUM": chromium},
    )  # fmt: skip
    assert result.returncode == 0, (
        f"walkthrough failed (screenshots in {tmp_path}):\n{result.stdout[-4000:]}"
        f"\n{result.stderr[-6000:]}"
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(summary["voices_listed"]) == ["Alice", "Bob", "Xiaoyu"]
    assert "Cheerful" in summary["styles_listed"]
    assert "Cheerful" not in summary["styles_after_voice_change"]
    assert summary["mp3_bytes"] > 1000 and summary["mp3_seconds"] > 0.5
    # Both voice profiles (config subentries) are engines in the Assist pipeline's picker.
    for name, _voice in PROFILES[language]:
        assert any(name in label for label in summary["engines_listed"]), summary["engines_listed"]
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "failure.png" not in shots
    assert any(shot.endswith("-assist-engines.png") for shot in shots), shots
    assert len(shots) >= 10, shots
    synthesis = [r for r in vocu_emulator.requests if "simple-generate" in r.path]
    assert synthesis, "the browser's Say never reached the voice service"
