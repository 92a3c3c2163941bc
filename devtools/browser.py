"""Debian's Chromium driven by Playwright: found on the machine, never downloaded.

Playwright's own browser download needs internet access the test machines lack, so the walkthrough
launches the distribution's Chromium through `executable_path` with a fresh profile.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import BrowserContext, async_playwright

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
# The CJK font makes the Chinese walkthrough's screenshots legible.
DEBIAN_PACKAGES = ("chromium", "chromium-driver", "fonts-wqy-zenhei")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The walkthrough clicks "Say" in the media browser: let the audio element start on its own.
    "--autoplay-policy=no-user-gesture-required",
)
VIEWPORT = {"width": 1280, "height": 800}


class BrowserUnavailableError(RuntimeError):
    """No Chromium here and none could be installed; the message says why."""


def find_chromium() -> str | None:
    if explicit := os.environ.get("VOCU_CHROMIUM"):
        return explicit if Path(explicit).is_file() else None
    for name in CHROMIUM_CANDIDATES:
        if path := shutil.which(name):
            return path
    return None


def ensure_chromium() -> str:
    """The Chromium binary, installing Debian's packages first when missing and allowed to."""
    if path := find_chromium():
        return path
    if shutil.which("apt-get") is None:
        raise BrowserUnavailableError(
            "Chromium is not installed and this machine has no apt-get: install Chromium "
            f"({', '.join(DEBIAN_PACKAGES)} on Debian) or point VOCU_CHROMIUM at a Chromium binary"
        )
    if os.geteuid() != 0:
        raise BrowserUnavailableError(
            "Chromium is not installed and installing it needs root: run "
            f"`sudo apt-get install {' '.join(DEBIAN_PACKAGES)}` (or set VOCU_CHROMIUM)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrowserUnavailableError(
                f"`{' '.join(command)}` failed ({result.returncode}): {result.stderr[-2000:]}"
            )
    if path := find_chromium():
        return path
    raise BrowserUnavailableError("apt-get installed Chromium but no chromium binary is on PATH")


@contextlib.asynccontextmanager
async def chromium_context(
    user_data_dir: Path, *, locale: str = "en-US", executable: str | None = None
) -> AsyncIterator[BrowserContext]:
    """A headless Chromium with a fresh profile in `user_data_dir`, speaking `locale`."""
    executable = executable or ensure_chromium()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            user_data_dir=str(user_data_dir),
            executable_path=executable,
            args=[*CHROMIUM_ARGS, f"--lang={locale}"],
            headless=True,
            locale=locale,
            viewport=VIEWPORT,
            timezone_id="UTC",
        )
        try:
            yield context
        finally:
            await context.close()
