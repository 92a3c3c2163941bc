"""Voice actions that go wrong: each upstream refusal or failure becomes a translated error, the
sample is checked before anything is uploaded, and the voice list is refreshed either way."""

from __future__ import annotations

import asyncio
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
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import Fault, seed

from custom_components.vocu.const import DOMAIN

VOICE_LIST = "/api/voice"


def tone_wav(seconds: float) -> bytes:
    """A real WAV file of a 220 Hz tone, `seconds` long."""
    rate = 16000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * n / rate)))
                for n in range(int(seconds * rate))
            )
        )
    return buffer.getvalue()


@pytest.fixture
def samples(hass: HomeAssistant, tmp_path: Path) -> Path:
    """An allowlisted folder: a usable sample, one far too short, and one over the size limit."""
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "sample.wav").write_bytes(tone_wav(4.0))
    (folder / "blip.wav").write_bytes(tone_wav(0.01))
    with (folder / "huge.wav").open("wb") as huge:  # sparse: no disk space is used
        huge.truncate(51 * 1024 * 1024)
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


@pytest.fixture
async def missing_sample_url() -> AsyncIterator[str]:
    """A loopback web server that answers 404 for the sample."""
    app = web.Application()

    async def handler(_: web.Request) -> web.Response:
        return web.Response(status=404, text="gone")

    app.router.add_get("/voice.wav", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/voice.wav"))
    await server.close()


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=service != "delete_voice"
    )


def uploads(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST" and r.path == VOICE_LIST]


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        (Fault(path=VOICE_LIST, status=403, code="TTS_PAID_ONLY"), "paid_only"),
        (Fault(path=VOICE_LIST, status=403, code="AUTH_FORBIDDEN"), "forbidden"),
        (Fault(path=VOICE_LIST, status=418), "service_error"),
        (Fault(path=VOICE_LIST, drop_before_headers=True, times=None), "cannot_connect"),
    ],
)
async def test_list_voices_failure_is_translated(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    fault: Fault,
    key: str,
) -> None:
    vocu_emulator.inject(fault)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key

    vocu_emulator.clear_faults()
    response = await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    assert seed.BOB_ID in {voice["id"] for voice in response["voices"]}


async def test_actions_refuse_an_entry_that_is_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    # The actions stay registered (async_setup) while the entry is unloaded.
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    assert raised.value.translation_key == "entry_not_loaded"
    assert raised.value.translation_placeholders == {"entry": init_integration.title}


async def test_too_short_sample_is_rejected_by_the_service_with_its_reason(
    hass: HomeAssistant, init_integration: MockConfigEntry, samples: Path
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Blip",
                "audio": str(samples / "blip.wav"),
            },
        )
    assert raised.value.translation_key == "rejected"
    assert "3 s" in raised.value.translation_placeholders["reason"]


async def test_oversized_sample_is_refused_before_upload(
    hass: HomeAssistant, init_integration: MockConfigEntry, samples: Path, vocu_emulator: Any
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Huge",
                "audio": str(samples / "huge.wav"),
            },
        )
    assert raised.value.translation_key == "audio_unreadable"
    assert uploads(vocu_emulator) == []


async def test_sample_url_that_fails_is_a_clear_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    missing_sample_url: str,
    vocu_emulator: Any,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Nowhere",
                "audio": f"{missing_sample_url}?sig=secret-signature",
            },
        )
    assert raised.value.translation_key == "audio_unreadable"
    # The URL is shown without its query (it may carry a signature).
    assert "secret-signature" not in raised.value.translation_placeholders["source"]
    assert uploads(vocu_emulator) == []


@pytest.mark.parametrize(
    "media_id",
    [
        "media-source://media_source/local/missing.wav",  # resolves to a file that is not there
        "media-source://no_such_source/sample.wav",  # no such media source at all
    ],
)
async def test_unusable_media_source_is_a_clear_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, samples: Path, media_id: str
) -> None:
    hass.config.media_dirs = {"local": str(samples)}
    assert await async_setup_component(hass, "media_source", {})
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Ghost",
                "audio": media_id,
            },
        )
    assert raised.value.translation_key == "audio_unreadable"


async def test_clone_that_fails_training_is_reported_and_listed(
    hass: HomeAssistant, init_integration: MockConfigEntry, samples: Path, vocu_emulator: Any
) -> None:
    # Training takes a while; the service marks the new voice failed during the wait.
    vocu_emulator.set_pacing(voice_ready_delay=30)

    async def fail_training() -> None:
        while True:
            created = [
                voice_id
                for voice_id, voice in vocu_emulator.state.account(seed.PAID_TOKEN).voices.items()
                if voice.name == "Doomed"
            ]
            if created:
                vocu_emulator.state.set_voice_status(created[0], "failed")
                return
            await asyncio.sleep(0.05)

    failing = asyncio.create_task(fail_training())
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Doomed",
                "audio": str(samples / "sample.wav"),
                "wait_timeout": 30,
            },
        )
    await failing
    assert raised.value.translation_key == "clone_failed"
    assert raised.value.translation_placeholders == {"name": "Doomed", "service": "Vocu"}
    # The failed voice is in the refreshed list (so it can be deleted), but not usable.
    data = init_integration.runtime_data.coordinator.data
    doomed = [voice for voice in data.voices if voice.name == "Doomed"]
    assert doomed
    assert not doomed[0].usable
    assert all(voice.name != "Doomed" for voice in data.usable_voices)


async def test_add_style_to_an_unknown_voice_is_not_found(
    hass: HomeAssistant, init_integration: MockConfigEntry, samples: Path, vocu_emulator: Any
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "add_style",
            {
                "config_entry_id": init_integration.entry_id,
                "voice_id": "no-such-voice",
                "name": "Whisper",
                "audio": str(samples / "sample.wav"),
            },
        )
    assert raised.value.translation_key == "not_found"
    assert not any(r.path.endswith("/prompt") for r in vocu_emulator.requests)
