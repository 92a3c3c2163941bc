"""The voice actions: list, clone (media source, allowlisted file, URL), delete, add style."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from vocu_emulator import seed

from custom_components.vocu.const import DOMAIN


def sample_wav(seconds: float = 4.0, rate: int = 16000) -> bytes:
    """A real (if tuneless) WAV recording: a 220 Hz tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = (
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * n / rate)))
            for n in range(int(seconds * rate))
        )
        wav.writeframes(b"".join(frames))
    return buffer.getvalue()


@pytest.fixture
def sample_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """An allowlisted folder holding `sample.wav`."""
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "sample.wav").write_bytes(sample_wav())
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


@pytest.fixture
async def sample_server() -> AsyncIterator[str]:
    """A loopback web server offering the sample, standing in for "a URL on the network"."""
    app = web.Application()
    body = sample_wav()

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="audio/wav")

    app.router.add_get("/voice.wav", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/voice.wav"))
    await server.close()


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], context: Context | None = None
) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        return_response=service != "delete_voice",
        context=context,
    )


async def test_list_voices(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    response = await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    voices = {voice["id"]: voice for voice in response["voices"]}

    assert voices[seed.BOB_ID]["usable"] is True
    assert voices[seed.MARKET_ID]["market"] is True
    assert voices[seed.BOB_ID]["market"] is False
    assert voices[seed.CREATING_ID] == {
        **voices[seed.CREATING_ID],
        "status": "creating",
        "usable": False,
    }
    assert {"id": seed.CHEERFUL_STYLE_ID, "name": "Cheerful"} in voices[seed.ALICE_ID]["styles"]


async def test_clone_voice_from_allowlisted_file_waits_until_usable(
    hass: HomeAssistant, init_integration: MockConfigEntry, sample_dir: Path
) -> None:
    response = await call(
        hass,
        "clone_voice",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "Grandma",
            "audio": str(sample_dir / "sample.wav"),
            "vocal_filter": False,
            "wait_timeout": 30,
        },
    )

    assert response["name"] == "Grandma"
    assert response["usable"] is True
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.data.voice(response["voice_id"]) is not None  # refreshed afterwards


async def test_clone_voice_without_waiting_returns_the_training_voice(
    hass: HomeAssistant, init_integration: MockConfigEntry, sample_server: str
) -> None:
    response = await call(
        hass,
        "clone_voice",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "From a URL",
            "audio": sample_server,
            "wait_timeout": 0,
        },
    )
    assert response["name"] == "From a URL"
    assert response["voice_id"]


async def test_clone_voice_from_media_source(
    hass: HomeAssistant, init_integration: MockConfigEntry, sample_dir: Path
) -> None:
    hass.config.media_dirs = {"local": str(sample_dir)}
    assert await async_setup_component(hass, "media_source", {})

    response = await call(
        hass,
        "clone_voice",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "From media",
            "audio": "media-source://media_source/local/sample.wav",
            "wait_timeout": 30,
        },
    )
    assert response["usable"] is True


@pytest.mark.parametrize("path", ["/etc/passwd", "relative/sample.wav"])
async def test_clone_voice_refuses_paths_outside_the_allowlist(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sample_dir: Path,
    vocu_emulator: Any,
    path: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {"config_entry_id": init_integration.entry_id, "name": "Nope", "audio": path},
        )
    assert raised.value.translation_key == "path_not_allowed"
    assert not any(r.method == "POST" and r.path == "/api/voice" for r in vocu_emulator.requests)


async def test_clone_voice_missing_file_is_a_clear_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, sample_dir: Path
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Ghost",
                "audio": str(sample_dir / "missing.wav"),
            },
        )
    assert raised.value.translation_key == "audio_unreadable"


async def test_delete_voice_refreshes_the_voice_list(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await call(
        hass,
        "delete_voice",
        {"config_entry_id": init_integration.entry_id, "voice_id": seed.BOB_ID},
    )
    assert init_integration.runtime_data.coordinator.data.voice(seed.BOB_ID) is None

    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "delete_voice",
            {"config_entry_id": init_integration.entry_id, "voice_id": seed.BOB_ID},
        )
    assert raised.value.translation_key == "not_found"


async def test_add_style(
    hass: HomeAssistant, init_integration: MockConfigEntry, sample_dir: Path
) -> None:
    response = await call(
        hass,
        "add_style",
        {
            "config_entry_id": init_integration.entry_id,
            "voice_id": seed.BOB_ID,
            "name": "Whisper",
            "audio": str(sample_dir / "sample.wav"),
        },
    )
    assert response["voice_id"] == seed.BOB_ID
    assert {"id": response["style_id"], "name": "Whisper"} in response["styles"]
    bob = init_integration.runtime_data.coordinator.data.voice(seed.BOB_ID)
    assert bob is not None
    assert bob.style(response["style_id"]) is not None


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("clone_voice", {"name": "x", "audio": "/tmp/x.wav"}),
        ("delete_voice", {"voice_id": seed.BOB_ID}),
        ("add_style", {"voice_id": seed.BOB_ID, "name": "x", "audio": "/tmp/x.wav"}),
    ],
)
async def test_account_changing_actions_are_admin_only(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
    service: str,
    data: dict[str, Any],
) -> None:
    with pytest.raises(Unauthorized):
        await call(
            hass,
            service,
            {"config_entry_id": init_integration.entry_id, **data},
            Context(user_id=hass_read_only_user.id),
        )
    assert init_integration.runtime_data.coordinator.data.voice(seed.BOB_ID) is not None


async def test_unknown_entry_is_a_validation_error(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "list_voices", {"config_entry_id": "not-an-entry"})
    assert raised.value.translation_key == "entry_not_found"
