"""Run a real Home Assistant process with the Vocu integration, and drive it over its REST API.

Used by the README's demo command, the end-to-end tests and the benchmark: a fresh config
directory, the component linked in, onboarding done through the same HTTP calls the frontend makes,
and the config entry created through the REST config-flow API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPONENT_DIR = REPO_ROOT / "custom_components" / "vocu"
CLIENT_ID_PATH = "/"  # onboarding's client id is the instance's own URL

CONFIGURATION_YAML = """\
# Written by vocu_devtools.hass_runner: a minimal Home Assistant for the Vocu integration.
homeassistant:
  name: Vocu demo
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  language: {language}
  # TTS URLs are built from this: keep every URL on loopback.
  internal_url: "http://127.0.0.1:{port}"
  external_url: "http://127.0.0.1:{port}"
  allowlist_external_dirs:
    - "{media_dir}"
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
api:
config:
onboarding:
auth:
media_source:
logger:
  default: warning
  logs:
    custom_components.vocu: {log_level}
    # The frontend imports `camera`, which logs an ERROR when the optional libturbojpeg (a system
    # library, not a wheel) is missing; this Home Assistant has no camera to take snapshots of.
    homeassistant.components.camera.img_util: critical
"""

# Onboarding and the flow API need no frontend assets, but a person opening the demo does.
FRONTEND_MODULE = "hass_frontend"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every log file a HassProcess wrote to in this interpreter: the test suite's canary check reads
# what each test added to them (a key must never reach Home Assistant's log).
LOG_FILES: list[Path] = []


class HassError(RuntimeError):
    """Home Assistant did not start or answered a call with an error."""


@dataclass
class HassProcess:
    """One `hass` process on loopback with its own config directory."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    log_level: str = "info"
    language: str = "en"  # the server's language: entity names and media source titles
    with_frontend: bool = True
    # More of Home Assistant's own integrations to load, e.g. "assist_pipeline" for its engine list.
    extra_components: tuple[str, ...] = ()
    process: asyncio.subprocess.Process | None = None
    access_token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.config_dir / "home-assistant.log"

    def prepare(self) -> None:
        """Write configuration.yaml and link the component into a fresh config directory."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        media_dir = self.config_dir / "media"
        media_dir.mkdir(exist_ok=True)
        yaml = CONFIGURATION_YAML.format(
            port=self.port, log_level=self.log_level, media_dir=media_dir, language=self.language
        )
        if not self.with_frontend:
            yaml = yaml.replace("frontend:\n", "")
        yaml += "".join(f"{component}:\n" for component in self.extra_components)
        (self.config_dir / "configuration.yaml").write_text(yaml)
        components = self.config_dir / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / "vocu"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(COMPONENT_DIR, target_is_directory=True)
        self._skip_core_config_onboarding()

    def _skip_core_config_onboarding(self) -> None:
        """Mark onboarding's location step done: configuration.yaml already sets all of it.

        Finishing that step also sets up Google Translate, Met and Radio Browser, which need the
        internet; offline they only show as failed integrations and a broken second TTS engine.
        """
        storage = self.config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        store = storage / "onboarding"
        if not store.exists():
            store.write_text(json.dumps({
                "version": 4, "minor_version": 1, "key": "onboarding",
                "data": {"done": ["core_config"]},
            }))  # fmt: skip

    def _ffmpeg_dir(self) -> Path:
        """A folder with `ffmpeg`, the imageio-ffmpeg binary, for the process' PATH: Home
        Assistant's ffmpeg integration (a TTS dependency) runs `ffmpeg` to convert audio."""
        import imageio_ffmpeg  # noqa: PLC0415  (a test/demo extra)

        bin_dir = self.config_dir / "bin"
        bin_dir.mkdir(exist_ok=True)
        link = bin_dir / "ffmpeg"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
        return bin_dir

    async def start(self, timeout: float = 180.0) -> None:
        self.prepare()
        path = os.pathsep.join([str(self._ffmpeg_dir()), os.environ.get("PATH", "")])
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PATH": path}
        if self.log_path not in LOG_FILES:
            LOG_FILES.append(self.log_path)
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "homeassistant",
                "--skip-pip",
                "-c",
                str(self.config_dir),
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        await self._wait_until_up(timeout)

    async def _wait_until_up(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if self.process is not None and self.process.returncode is not None:
                    raise HassError(
                        f"hass exited with {self.process.returncode}; see {self.log_path}"
                    )
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(
                        f"{self.url}/api/onboarding", timeout=aiohttp.ClientTimeout(total=5)
                    ) as resp:
                        if resp.status in (200, 401):
                            return
                await asyncio.sleep(0.5)
        raise HassError(f"hass did not answer within {timeout:.0f} s; see {self.log_path}")

    async def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()

    # --- REST helpers -------------------------------------------------------------------------

    async def onboard(
        self,
        session: aiohttp.ClientSession,
        *,
        name: str = "Demo",
        username: str = "demo",
        password: str = "vocu-demo",
        language: str = "en",
    ) -> str:
        """Create the owner user and finish onboarding; returns an access token."""
        client_id = f"{self.url}{CLIENT_ID_PATH}"
        async with session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": language,
            },
        ) as resp:
            if resp.status != 200:
                raise HassError(f"onboarding user step: {resp.status} {await resp.text()}")
            auth_code = (await resp.json())["auth_code"]
        async with session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": auth_code,
                "client_id": client_id,
            },
        ) as resp:
            if resp.status != 200:
                raise HassError(f"token exchange: {resp.status} {await resp.text()}")
            self.access_token = (await resp.json())["access_token"]
        headers = self.headers
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            (
                "integration",
                {"client_id": client_id, "redirect_uri": f"{client_id}?auth_callback=1"},
            ),
        ):
            async with session.post(
                f"{self.url}/api/onboarding/{step}", json=body, headers=headers
            ) as resp:
                if resp.status not in (200, 403):  # 403: step already done (core_config is)
                    raise HassError(f"onboarding {step}: {resp.status} {await resp.text()}")
        return self.access_token

    @property
    def headers(self) -> dict[str, str]:
        if not self.access_token:
            raise HassError("not onboarded: no access token")
        return {"Authorization": f"Bearer {self.access_token}"}

    async def call(
        self, session: aiohttp.ClientSession, method: str, path: str, **kwargs: Any
    ) -> Any:
        async with session.request(
            method, f"{self.url}{path}", headers=self.headers, **kwargs
        ) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
            if resp.status >= 400:
                raise HassError(f"{method} {path}: {resp.status} {body}")
            return body

    async def run_config_flow(
        self,
        session: aiohttp.ClientSession,
        handler: str,
        answer: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        *,
        max_steps: int = 10,
    ) -> Mapping[str, Any]:
        """Walk a config flow: `answer(step)` returns the user input for each form step shown."""
        step = await self.call(
            session,
            "POST",
            "/api/config/config_entries/flow",
            json={"handler": handler, "show_advanced_options": True},
        )
        for _ in range(max_steps):
            if step["type"] == "create_entry":
                return step
            if step["type"] != "form":
                raise HassError(f"config flow ended with {step['type']}: {step.get('reason')}")
            step = await self.call(
                session,
                "POST",
                f"/api/config/config_entries/flow/{step['flow_id']}",
                json=dict(answer(step)),
            )
        raise HassError("config flow did not finish")

    async def tts_url(
        self,
        session: aiohttp.ClientSession,
        engine_id: str,
        message: str,
        options: Mapping[str, Any] | None = None,
    ) -> str:
        body: dict[str, Any] = {"engine_id": engine_id, "message": message}
        if options:
            body["options"] = dict(options)
        result = await self.call(session, "POST", "/api/tts_get_url", json=body)
        return result["url"]

    async def entity_ids(self, session: aiohttp.ClientSession, domain: str) -> list[str]:
        states = await self.call(session, "GET", "/api/states")
        return [s["entity_id"] for s in states if s["entity_id"].startswith(f"{domain}.")]

    async def state(self, session: aiohttp.ClientSession, entity_id: str) -> Mapping[str, Any]:
        return await self.call(session, "GET", f"/api/states/{entity_id}")
