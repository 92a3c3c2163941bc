"""A failing synthesis: translated errors, repair issue, reauth, and the next call works."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from tts_support import (
    mp3_duration,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.const import CONF_STYLE, CONF_VOICE, DOMAIN

pytestmark = pytest.mark.usefixtures("tts_ready")


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({CONF_VOICE: "no-such-voice"}, "unknown_voice"),
        ({CONF_VOICE: seed.CREATING_ID}, "voice_not_usable"),
        ({CONF_STYLE: "no-such-style"}, "unknown_style"),
        ({CONF_VOICE: f"{seed.ALICE_ID}|no-such-style"}, "unknown_style"),
        ({"speed": 9}, "invalid_option"),
        ({"emotion": [1, 2]}, "invalid_option"),
    ],
)
async def test_bad_voice_or_option_is_a_validation_error_and_costs_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    options: dict[str, Any],
    key: str,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    with pytest.raises(ServiceValidationError) as raised:
        await speak_audio(hass, engine, "Hello.", options)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    assert synth_requests(vocu_emulator) == []


async def test_no_credits_raises_repair_issue_cleared_when_credits_return(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    issue_id = f"insufficient_credits_{init_integration.entry_id}"
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)

    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, engine, "Nothing left to pay with.")
    assert raised.value.translation_key == "insufficient_credits"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 1000, 0)
    await init_integration.runtime_data.coordinator.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert mp3_duration(await speak_audio(hass, engine, "Thanks for topping up."))


async def test_rejected_key_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(status=401, code="AUTH_UNAUTHORIZED", message="bad key"))

    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, engine, "Who am I?")
    assert raised.value.translation_key == "auth_failed"
    assert seed.PAID_TOKEN not in str(raised.value)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        (Fault(status=500, code="INTERNAL_ERROR", message="boom"), "service_error"),
        (Fault(status=503, code="SERVICE_UNAVAILABLE", message="down"), "service_error"),
        (Fault(cut_after_bytes=0), "cannot_connect"),
    ],
)
async def test_upstream_failure_is_translated_and_next_call_works(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    fault: Fault,
    key: str,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(fault)

    with pytest.raises(HomeAssistantError) as raised:
        await speak_audio(hass, engine, "This one fails.")
    assert raised.value.translation_key == key

    assert hass.states.get(engine).state != "unavailable"
    assert mp3_duration(await speak_audio(hass, engine, "This one works."))


async def test_free_account_in_async_mode_speaks_through_jobs(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**mock_config_entry.data, "api_key": seed.FREE_TOKEN, "async_mode": True},
        options=mock_config_entry.options,
        unique_id=seed.FREE_USER_ID,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    # Async jobs take the whole text: the entry must not claim streaming input (an Assist
    # pipeline would otherwise feed it an LLM answer it can only collect).
    assert not tts.async_create_stream(hass, tts_entity_id(hass, entry)).supports_streaming_input
    audio = await speak_audio(hass, tts_entity_id(hass, entry), "Free accounts still speak.")

    assert mp3_duration(audio) > 0.3
    assert any(r.path.startswith("/api/tts/generate") for r in vocu_emulator.requests)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_unpaid_refusal_at_first_synthesis_switches_the_entry_to_async_mode(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    """An account whose info had no `isPaid` is found to be unpaid by its first synthesis."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**mock_config_entry.data, "api_key": seed.FREE_TOKEN, "async_mode": False},
        options=mock_config_entry.options,
        unique_id=seed.FREE_USER_ID,
        version=mock_config_entry.version,
        minor_version=mock_config_entry.minor_version,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    engine = tts_entity_id(hass, entry)

    audio = await speak_audio(hass, engine, "Nobody told us this account was free.")

    assert mp3_duration(audio) > 0.3
    paths = [r.path for r in vocu_emulator.requests]
    assert any("simple-generate" in p for p in paths)  # tried synchronously first, refused
    assert any(p.startswith("/api/tts/generate") for p in paths)  # then spoken through a job
    assert entry.data["async_mode"] is True

    vocu_emulator.reset()
    assert mp3_duration(await speak_audio(hass, engine, "And the next one goes straight to a job."))
    assert not any("simple-generate" in r.path for r in vocu_emulator.requests)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
