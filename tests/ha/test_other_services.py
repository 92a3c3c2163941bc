"""Actions, diagnostics and sensors of entries for services other than Vocu (Noiz AI, MiniMax).

Listing, cloning and deleting voices work through the provider interface; styles are Vocu's only
and refused with a translated error; no credit sensors where the service reports no account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from service_cases import ServiceCase
from test_services import call, sample_dir  # noqa: F401 - fixture
from tts_support import (
    speak_audio,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault

from custom_components.vocu.const import DOMAIN

pytestmark = pytest.mark.parametrize("provider_name", ["noiz", "minimax"])


async def test_list_voices_has_own_and_builtin_voices(
    hass: HomeAssistant, init_integration: MockConfigEntry, service_case: ServiceCase
) -> None:
    response = await call(hass, "list_voices", {"config_entry_id": init_integration.entry_id})
    voices = {voice["id"]: voice for voice in response["voices"]}
    assert voices[service_case.voice_id]["builtin"] is False
    assert voices[service_case.voice_id]["usable"] is True
    assert voices[service_case.builtin_voice_id]["builtin"] is True
    assert all(voice["styles"] == [] for voice in voices.values())


async def test_clone_then_delete_a_voice(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sample_dir: Path,  # noqa: F811
) -> None:
    entry_id = init_integration.entry_id
    created = await call(
        hass,
        "clone_voice",
        {"config_entry_id": entry_id, "name": "Grandma", "audio": str(sample_dir / "sample.wav")},
    )
    assert created["name"] == "Grandma"
    assert created["usable"] is True
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.data.voice(created["voice_id"]) is not None

    await call(hass, "delete_voice", {"config_entry_id": entry_id, "voice_id": created["voice_id"]})
    assert coordinator.data.voice(created["voice_id"]) is None


async def test_add_style_is_refused_with_the_services_name(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service_case: ServiceCase,
    sample_dir: Path,  # noqa: F811
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "add_style",
            {
                "config_entry_id": init_integration.entry_id,
                "voice_id": service_case.voice_id,
                "name": "Cheerful",
                "audio": str(sample_dir / "sample.wav"),
            },
        )
    assert raised.value.translation_key == "styles_not_supported"
    assert raised.value.translation_placeholders == {"service": service_case.title}


async def test_diagnostics_redact_the_key_and_have_no_account(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    service_case: ServiceCase,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["service"] == service_case.name
    assert diagnostics["account"] is None
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert service_case.voice_id in [voice["id"] for voice in diagnostics["voices"]]
    text = json.dumps(diagnostics)
    assert service_case.key not in text
    assert service_case.voice_name not in text


async def test_no_credit_sensors_and_device_names_the_service(
    hass: HomeAssistant, init_integration: MockConfigEntry, service_case: ServiceCase
) -> None:
    entities = er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
    # No account to read credits from; only the cost of this entry's own speech (unknown here).
    assert sorted(entity.translation_key for entity in entities) == ["credits_used_today", "tts"]
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    assert device.manufacturer == service_case.title
    assert device.identifiers == {(DOMAIN, init_integration.entry_id)}  # not the key hash
    assert init_integration.runtime_data.guard.concurrency == 2


@pytest.mark.usefixtures("tts_ready")
async def test_errors_name_the_entrys_service_not_vocu(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service_case: ServiceCase,
    vocu_emulator: Any,
) -> None:
    vocu_emulator.inject(Fault(path=service_case.synth_path, status=503, times=None))
    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, tts_entity_id(hass, init_integration), "Nobody answers.")
    assert raised.value.translation_placeholders["service"] == service_case.title
    message = str(raised.value)
    assert service_case.title in message
    assert "Vocu" not in message
