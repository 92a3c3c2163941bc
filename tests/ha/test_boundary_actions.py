"""The boundary hardening seen from Home Assistant's actions: odd answers, ids and local files."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
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
