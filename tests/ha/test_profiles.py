"""Voice profiles (config subentries): each its own TTS entity on the account's device, speaking
with its own voice and settings (checked at the emulator), kept across reloads and options
changes; added, changed and removed through the subentry flow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from service_cases import ServiceCase
from tts_support import (
    request_style,
    request_text,
    request_voice,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.const import (
    CONF_EMOTION,
    CONF_FLASH,
    CONF_LANGUAGE,
    CONF_PRESET,
    CONF_SEED,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
    DOMAIN,
    SUBENTRY_PROFILE,
)

pytestmark = pytest.mark.usefixtures("tts_ready")

VOICE_LIST = "/api/voice"
KITCHEN = {CONF_STYLE: "default", CONF_PRESET: "stable", CONF_SPEED: 0.8}
STORY = {CONF_STYLE: seed.CHEERFUL_STYLE_ID, CONF_SPEED: 1.0}


def select_values(result: Any, field: str) -> list[str]:
    selector = next(value for key, value in result["data_schema"].schema.items() if key == field)
    return [option["value"] for option in selector.config["options"]]


def suggested(result: Any) -> dict[str, Any]:
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def start(hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str | None = None) -> Any:
    context: dict[str, Any] = {"source": SOURCE_USER}
    if subentry_id is not None:
        context = {"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id}
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context=context
    )


async def add_profile(
    hass: HomeAssistant, entry: MockConfigEntry, name: str, voice: str, settings: dict[str, Any]
) -> str:
    """Run the subentry flow to the end; the new profile's subentry id."""
    before = set(entry.subentries)
    result = await start(hass, entry)
    assert result["step_id"] == "voice"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": name, CONF_VOICE: voice}
    )
    assert result["step_id"] == "settings"
    # The form answers with every field, as the frontend does (suggested values, then changes).
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**suggested(result), **settings}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    (subentry_id,) = set(entry.subentries) - before
    return subentry_id


def profile_entity_id(hass: HomeAssistant, subentry_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("tts", DOMAIN, subentry_id)
    assert entity_id is not None
    return entity_id


def param(request: Any, name: str) -> Any:
    return (request.json or {}).get(name) or request.query.get(name)


async def spoken_with(hass: HomeAssistant, emulator: Any, engine: str, message: str) -> list[Any]:
    """Speak ``message`` with ``engine``; the emulator's records of that message."""
    await speak_audio(hass, engine, message)
    requests = [r for r in synth_requests(emulator) if request_text(r) == message]
    assert requests, f"{engine} sent nothing"
    return requests


async def assert_profiles_speak(
    hass: HomeAssistant, emulator: Any, entry: MockConfigEntry, kitchen: str, story: str
) -> None:
    for request in await spoken_with(
        hass, emulator, profile_entity_id(hass, kitchen), "Dinner is ready."
    ):
        assert request_voice(request) == seed.MARKET_ID
        assert param(request, "preset") == "stable"
        assert float(param(request, "speechRate")) == pytest.approx(1 / 0.8)
    for request in await spoken_with(
        hass, emulator, profile_entity_id(hass, story), "Once upon a time."
    ):
        assert request_voice(request) == seed.ALICE_ID
        assert request_style(request) == seed.CHEERFUL_STYLE_ID
    # The account's own entity keeps the entry's voice.
    for request in await spoken_with(
        hass, emulator, tts_entity_id(hass, entry), "The default voice."
    ):
        assert request_voice(request) == seed.BOB_ID
        assert request_style(request) in ("", "default")


async def test_two_profiles_are_two_engines_with_their_own_voices(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    kitchen = await add_profile(hass, init_integration, "Kitchen — calm", seed.MARKET_ID, KITCHEN)
    story = await add_profile(
        hass, init_integration, "Story — Alice, cheerful", seed.ALICE_ID, STORY
    )

    # Added while the entry is loaded, without a reload: the entities are there at once.
    registry = er.async_get(hass)
    account_entity = registry.async_get(tts_entity_id(hass, init_integration))
    assert account_entity is not None
    assert account_entity.config_subentry_id is None  # the default entity stays on the entry
    devices = dr.async_get(hass)
    account_device = devices.async_get(account_entity.device_id or "")
    assert account_device is not None
    assert account_device.config_subentry_id is None
    for subentry_id, name in ((kitchen, "Kitchen — calm"), (story, "Story — Alice, cheerful")):
        entity = registry.async_get(profile_entity_id(hass, subentry_id))
        assert entity is not None
        assert entity.config_subentry_id == subentry_id
        # Its own device (a device has one subentry), reached through the account's device.
        device = devices.async_get(entity.device_id or "")
        assert device is not None
        assert device.config_subentry_id == subentry_id
        assert device.via_device_id == account_device.id
        assert device.name == name
        state = hass.states.get(entity.entity_id)
        assert state is not None
        assert state.attributes["friendly_name"] == f"{name} Text-to-speech"  # the engine list
    # The entry's own entities (sensors, default engine) stay where they were.
    entry_entities = er.async_entries_for_config_entry(registry, init_integration.entry_id)
    assert len([e for e in entry_entities if e.config_subentry_id is None]) >= 6
    assert all(
        hass.states.get(e.entity_id) is not None for e in entry_entities if not e.disabled_by
    )
    assert init_integration.subentries[kitchen].data == {
        CONF_VOICE: seed.MARKET_ID,
        CONF_STYLE: "default",
        CONF_PRESET: "stable",
        CONF_LANGUAGE: "auto",
        CONF_SPEED: 0.8,
        CONF_FLASH: False,
        CONF_SEED: None,
        CONF_VIVID: False,
        CONF_EMOTION: [0, 0, 0, 0, 0],
    }
    await assert_profiles_speak(hass, vocu_emulator, init_integration, kitchen, story)

    assert profile_entity_id(hass, kitchen) == "tts.kitchen_calm_text_to_speech"
    # A reload (what a restart does to the entry) keeps both, with the same entity ids.
    ids = {profile_entity_id(hass, kitchen), profile_entity_id(hass, story)}
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert {profile_entity_id(hass, kitchen), profile_entity_id(hass, story)} == ids
    assert all(hass.states.get(entity_id) is not None for entity_id in ids)
    await assert_profiles_speak(hass, vocu_emulator, init_integration, kitchen, story)


async def test_profiles_keep_their_voices_when_the_account_options_change(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    kitchen = await add_profile(hass, init_integration, "Kitchen", seed.MARKET_ID, KITCHEN)
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, STORY)

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STYLE: "default",
            CONF_PRESET: "creative",
            CONF_LANGUAGE: "en-us",
            CONF_SPEED: 1.5,
            CONF_FLASH: False,
            CONF_VIVID: False,
            **{f"emotion_{name}": 0 for name in ("anger", "happiness", "neutral", "sadness")},
            "emotion_contextual": 0,
            "max_chars_per_call": 0,
            "daily_char_cap": 0,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # OptionsFlowWithReload reloads the entry

    assert init_integration.state is ConfigEntryState.LOADED
    await assert_profiles_speak(hass, vocu_emulator, init_integration, kitchen, story)
    (request,) = await spoken_with(
        hass, vocu_emulator, tts_entity_id(hass, init_integration), "New account settings."
    )
    assert param(request, "preset") == "creative"


async def test_a_new_profile_starts_from_the_account_settings(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_PRESET: "creative", CONF_SPEED: 1.25},
    )
    result = await start(hass, init_integration)
    # The account's voice is suggested; every usable voice is offered, fresh from the API.
    assert suggested(result) == {CONF_VOICE: seed.BOB_ID}
    assert seed.FAILED_ID not in select_values(result, CONF_VOICE)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "  Story   time ", CONF_VOICE: seed.ALICE_ID}
    )
    # Alice's styles; Bob's "default" exists for her too, the rest follows the account.
    assert select_values(result, CONF_STYLE) == ["default", seed.CHEERFUL_STYLE_ID]
    assert result["description_placeholders"] == {"voice": "Alice", "profile": "Story time"}
    values = suggested(result)
    assert values[CONF_PRESET] == "creative"
    assert values[CONF_SPEED] == 1.25
    assert values[CONF_STYLE] == "default"
    # Only how it sounds: the caps, fallback and text cleaning stay the account's.
    fields = {str(key) for key in result["data_schema"].schema}
    assert not fields & {"max_chars_per_call", "daily_char_cap", "fallback_engine", "speakable"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Story time"


async def test_reconfigure_changes_voice_style_and_name_of_the_same_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, STORY)
    entity_id = profile_entity_id(hass, story)

    result = await start(hass, init_integration, story)
    assert result["step_id"] == "voice"
    assert suggested(result) == {"name": "Story", CONF_VOICE: seed.ALICE_ID}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Bedtime", CONF_VOICE: seed.BOB_ID}
    )
    # Bob has no Cheerful style: his first one is suggested instead.
    assert select_values(result, CONF_STYLE) == ["default"]
    assert suggested(result)[CONF_STYLE] == "default"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**suggested(result), CONF_STYLE: "default", CONF_SPEED: 0.5}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()  # the entry reloads

    assert init_integration.subentries[story].title == "Bedtime"
    assert profile_entity_id(hass, story) == entity_id  # automations keep working
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["friendly_name"] == "Bedtime Text-to-speech"
    (request,) = await spoken_with(hass, vocu_emulator, entity_id, "Good night.")
    assert request_voice(request) == seed.BOB_ID
    assert float(param(request, "speechRate")) == pytest.approx(2.0)


async def test_reconfigure_does_not_suggest_a_voice_that_is_gone(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, STORY)
    with vocu_emulator.state.lock:
        del vocu_emulator.state.account(seed.PAID_TOKEN).voices[seed.ALICE_ID]
    result = await start(hass, init_integration, story)
    assert suggested(result) == {"name": "Story"}
    assert seed.ALICE_ID not in select_values(result, CONF_VOICE)


async def test_removing_a_profile_removes_its_entity_only(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    kitchen = await add_profile(hass, init_integration, "Kitchen", seed.MARKET_ID, KITCHEN)
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, STORY)
    kitchen_entity = profile_entity_id(hass, kitchen)

    before = er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
    kitchen_device = er.async_get(hass).async_get(kitchen_entity).device_id  # type: ignore[union-attr]
    assert hass.config_entries.async_remove_subentry(init_integration, kitchen)
    await hass.async_block_till_done()

    assert er.async_get(hass).async_get_entity_id("tts", DOMAIN, kitchen) is None
    assert hass.states.get(kitchen_entity) is None
    assert dr.async_get(hass).async_get(kitchen_device or "") is None  # its device went with it
    assert hass.states.get(profile_entity_id(hass, story)) is not None
    assert hass.states.get(tts_entity_id(hass, init_integration)) is not None
    assert init_integration.state is ConfigEntryState.LOADED
    # Changes of other entries add no entity to this one.
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    hass.config_entries.async_update_entry(other, title="Changed")
    await hass.async_block_till_done()
    assert len(
        er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
    ) == (len(before) - 1)


@pytest.mark.parametrize(
    ("name", "error"),
    [("   ", "name_required"), ("kitchen", "name_taken"), ("KITCHEN ", "name_taken")],
)
async def test_a_profile_needs_its_own_name(
    hass: HomeAssistant, init_integration: MockConfigEntry, name: str, error: str
) -> None:
    await add_profile(hass, init_integration, "Kitchen", seed.MARKET_ID, KITCHEN)
    result = await start(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": name, CONF_VOICE: seed.ALICE_ID}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "voice"
    assert result["errors"] == {"name": error}
    # Nothing is lost: the form keeps what was typed, and a good name goes on.
    assert suggested(result) == {"name": name, CONF_VOICE: seed.ALICE_ID}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Living room", CONF_VOICE: seed.ALICE_ID}
    )
    assert result["step_id"] == "settings"


async def test_reconfigure_may_keep_its_own_name_but_not_take_another(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await add_profile(hass, init_integration, "Kitchen", seed.MARKET_ID, KITCHEN)
    story = await add_profile(hass, init_integration, "Story", seed.ALICE_ID, STORY)
    result = await start(hass, init_integration, story)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Kitchen", CONF_VOICE: seed.ALICE_ID}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "story", CONF_VOICE: seed.ALICE_ID}
    )
    assert result["step_id"] == "settings"


async def test_profile_flow_aborts_when_the_service_is_down(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=VOICE_LIST, status=502, times=None))
    result = await start(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_profile_flow_aborts_without_a_usable_voice(
    hass: HomeAssistant, init_integration: MockConfigEntry, vocu_emulator: Any
) -> None:
    for voice_id in list(vocu_emulator.state.account(seed.PAID_TOKEN).voices):
        vocu_emulator.state.set_voice_status(voice_id, "failed", token=seed.PAID_TOKEN)
    result = await start(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_usable_voices"


async def test_profile_flow_needs_a_loaded_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await start(hass, mock_config_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


@pytest.mark.parametrize("provider_name", ["noiz", "minimax", "minimax_official"])
async def test_profiles_of_services_without_styles(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    service_case: ServiceCase,
) -> None:
    """No style field where the service has none; the profile speaks with its own voice."""
    result = await start(hass, init_integration)
    voice = service_case.builtin_voice_id  # not the account's default voice
    assert voice in select_values(result, CONF_VOICE)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Built-in", CONF_VOICE: voice}
    )
    fields = {str(key) for key in result["data_schema"].schema}
    assert CONF_STYLE not in fields
    assert CONF_SPEED in fields
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**suggested(result), CONF_SPEED: 0.75}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    (subentry_id,) = init_integration.subentries
    entity_id = profile_entity_id(hass, subentry_id)
    entity = hass.data[tts.DATA_COMPONENT].get_entity(entity_id)
    assert entity.default_options[CONF_VOICE] == voice
    assert entity.default_options[CONF_SPEED] == 0.75
    await speak_audio(hass, entity_id, "A built-in voice.")
    billed = [
        r for r in vocu_emulator.requests
        if Fault(path=service_case.synth_path).matches(r.method, r.path)
    ]  # fmt: skip
    assert billed
    # Noiz takes a multipart form, which the emulator does not record.
    if service_case.name != "noiz":
        assert all(voice in json.dumps([r.json, r.query]) for r in billed)
