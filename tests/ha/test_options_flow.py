"""Options flow: fresh voice list, style list following the voice, every setting stored typed."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import seed

from custom_components.vocu.const import (
    CONF_DAILY_CHAR_CAP,
    CONF_EMOTION,
    CONF_FALLBACK_ENGINE,
    CONF_FLASH,
    CONF_LANGUAGE,
    CONF_MAX_CHARS_PER_CALL,
    CONF_PRESET,
    CONF_SEED,
    CONF_SPEAKABLE,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
)


def select_values(result: Any, field: str) -> list[str]:
    selector = next(value for key, value in result["data_schema"].schema.items() if key == field)
    return [option["value"] for option in selector.config["options"]]


SETTINGS = {
    CONF_STYLE: seed.CHEERFUL_STYLE_ID,
    CONF_PRESET: "stable",
    CONF_LANGUAGE: "en-us",
    CONF_SPEED: 1.25,
    CONF_FLASH: True,
    CONF_SEED: 42.0,  # NumberSelector answers floats
    CONF_VIVID: True,
    "emotion_anger": 0,
    "emotion_happiness": 8.0,
    "emotion_neutral": 2,
    "emotion_sadness": 0,
    "emotion_contextual": 1,
    CONF_MAX_CHARS_PER_CALL: 500.0,
    CONF_DAILY_CHAR_CAP: 20000,
}


async def test_options_flow_stores_every_setting_and_reloads(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    # Cloned after setup: the options flow must still offer it (the list is read fresh).
    new_voice = vocu_emulator.state.add_voice(seed.PAID_TOKEN, name="Fresh clone")
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["step_id"] == "init"
    offered = select_values(result, CONF_VOICE)
    assert new_voice in offered
    assert seed.FAILED_ID not in offered

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: seed.ALICE_ID}
    )
    assert result["step_id"] == "settings"
    # The style list is the chosen voice's, not the previously configured voice's.
    assert select_values(result, CONF_STYLE) == ["default", seed.CHEERFUL_STYLE_ID]

    result = await hass.config_entries.options.async_configure(result["flow_id"], SETTINGS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_VOICE: seed.ALICE_ID,
        CONF_STYLE: seed.CHEERFUL_STYLE_ID,
        CONF_PRESET: "stable",
        CONF_LANGUAGE: "en-us",
        CONF_SPEED: 1.25,
        CONF_FLASH: True,
        CONF_SEED: 42,
        CONF_VIVID: True,
        CONF_EMOTION: [0, 8, 2, 0, 1],
        CONF_MAX_CHARS_PER_CALL: 500,
        CONF_DAILY_CHAR_CAP: 20000,
        CONF_FALLBACK_ENGINE: None,  # left empty: no fallback
        CONF_SPEAKABLE: True,  # not in the answer: on by default
    }
    assert isinstance(init_integration.options[CONF_SEED], int)
    # OptionsFlowWithReload reloaded the entry, so the TTS entity picked up the new defaults.
    assert init_integration.state is ConfigEntryState.LOADED


async def test_seed_left_empty_means_random(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    settings = {key: value for key, value in SETTINGS.items() if key != CONF_SEED}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**settings, CONF_STYLE: "default"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_SEED] is None


async def test_out_of_range_speed_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    with pytest.raises(InvalidData) as caught:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**SETTINGS, CONF_STYLE: "default", CONF_SPEED: 3}
        )
    assert CONF_SPEED in caught.value.schema_errors
    assert init_integration.options[CONF_SPEED] == 1.0


async def test_options_flow_needs_a_loaded_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
