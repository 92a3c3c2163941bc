"""The boundary hardening seen from Home Assistant's actions: odd answers, ids and local files."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from tts_support import (
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import seed

from custom_components.vocu.const import DOMAIN


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=service != "delete_voice"
    )


async def test_unexpected_answer_is_a_translated_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(path="/api/voice", body='{"status":200,"data":"oops"}', times=None)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "unexpected_response"
    request_id = raised.value.translation_placeholders["request_id"]
    assert request_id and request_id != "-"
    assert request_id in str(raised.value)  # the translated message names it

    vocu_emulator.clear_faults()
    response = await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    assert seed.BOB_ID in {voice["id"] for voice in response["voices"]}


@pytest.mark.parametrize("voice_id", ["..", "."])
async def test_delete_voice_refuses_an_id_that_escapes_its_resource(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any, voice_id: str
) -> None:
    vocu_emulator.requests.clear()
    with pytest.raises(HomeAssistantError) as raised:
        await call(
            hass,
            "delete_voice",
            {"config_entry_id": init_integration.entry_id, "voice_id": voice_id},
        )
    assert raised.value.translation_key == "rejected"
    assert not [r for r in vocu_emulator.requests if r.method == "DELETE"]


@pytest.mark.usefixtures("tts_ready")
@pytest.mark.parametrize("seed_value", [2**31, 10**30, -5])
async def test_per_call_seed_has_the_options_form_range(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any, seed_value: int
) -> None:
    engine = tts_entity_id(hass, init_integration)
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "Hello.", {"seed": seed_value})
    assert raised.value.translation_key == "invalid_option"
    assert synth_requests(vocu_emulator) == []


def _wav(seconds: float = 4.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sample:
        sample.setnchannels(1)
        sample.setsampwidth(2)
        sample.setframerate(8000)
        sample.writeframes(bytes(range(256)) * int(seconds * 8000 * 2 / 256))
    return buffer.getvalue()


@pytest.fixture
async def media(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A media folder (allowlisted, as Home Assistant does by default) holding a real sample,
    symlinks out of the allowlist (to `/config/secrets.yaml` and to an MP3) and a text file."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "secrets.yaml").write_text("vocu_api_key: sk-live-canary\n")
    (config / "outside.mp3").write_bytes(b"ID3" + bytes(500))
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "sample.wav").write_bytes(_wav())
    (folder / "linked.wav").symlink_to(folder / "sample.wav")
    (folder / "voice.wav").symlink_to(config / "secrets.yaml")
    (folder / "escape.mp3").symlink_to(config / "outside.mp3")
    (folder / "notes.wav").write_text("not audio at all, just words\n")
    hass.config.media_dirs = {"local": str(folder)}
    hass.config.allowlist_external_dirs = {str(folder)}
    assert await async_setup_component(hass, "media_source", {})
    return folder


def _clone_uploads(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST" and r.path == "/api/voice"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("voice.wav", "path_not_allowed"),  # symlink to /config/secrets.yaml
        ("escape.mp3", "path_not_allowed"),  # symlink to audio outside the allowlist
        ("notes.wav", "not_audio"),  # allowlisted, but not audio
    ],
)
@pytest.mark.parametrize("as_media_source", [True, False])
async def test_local_sample_is_resolved_checked_and_sniffed(  # noqa: PLR0917 - fixtures
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    media: Path,
    name: str,
    key: str,
    as_media_source: bool,
) -> None:
    source = f"media-source://media_source/local/{name}" if as_media_source else str(media / name)
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {"config_entry_id": init_integration.entry_id, "name": "Leak", "audio": source},
        )
    assert raised.value.translation_key == key
    assert _clone_uploads(vocu_emulator) == []


async def test_a_folder_given_as_the_sample_is_unreadable_not_a_traceback(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any, media: Path
) -> None:
    (media / "takes").mkdir()
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "clone_voice",
            {
                "config_entry_id": init_integration.entry_id,
                "name": "Folder",
                "audio": str(media / "takes"),
            },
        )
    assert raised.value.translation_key == "audio_unreadable"
    assert _clone_uploads(vocu_emulator) == []


async def test_symlink_inside_the_allowlist_to_audio_is_fine(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any, media: Path
) -> None:
    response = await call(
        hass,
        "clone_voice",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "Linked",
            "audio": "media-source://media_source/local/linked.wav",
            "wait_timeout": 0,
        },
    )
    assert response["name"] == "Linked"
    assert len(_clone_uploads(vocu_emulator)) == 1
