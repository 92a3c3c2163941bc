"""Diagnostics: a snapshot of what support gets, and proof that no secret or personal data leaks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props
from test_profiles import add_profile
from tts_support import tts_ready  # noqa: F401 - fixture
from vocu_emulator import seed

from custom_components.vocu.const import CONF_STYLE, CONF_VOICE


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    # The emulator's port changes per run; everything else is stable.
    assert diagnostics == snapshot(exclude=props("base_url"))
    text = json.dumps(diagnostics)
    for secret in (seed.PAID_TOKEN, seed.PAID_EMAIL, seed.PAID_PHONE, seed.PAID_NAME):
        assert secret not in text
    assert seed.PAID_USER_ID not in text
    assert "Alice" not in text  # voice names can be real people's names


@pytest.fixture
def entry_data(entry_data: dict[str, Any], provider_name: str) -> dict[str, Any]:
    """MiniMax entries here carry a GroupId (it names the account, so it must be redacted)."""
    if provider_name == "minimax_official":
        return {**entry_data, "group_id": seed.MINIMAX_GROUP_ID}
    return entry_data


@pytest.mark.parametrize("provider_name", ["minimax_official"])
async def test_minimax_group_id_is_redacted(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    assert init_integration.data["group_id"] == seed.MINIMAX_GROUP_ID
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(diagnostics)
    assert seed.MINIMAX_GROUP_ID not in text and seed.MINIMAX_API_KEY not in text


@pytest.mark.usefixtures("tts_ready")
async def test_voice_profiles_show_their_settings_but_not_their_names(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    await add_profile(
        hass, init_integration, "Grandma Alice", seed.ALICE_ID, {CONF_STYLE: "default"}
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    (profile,) = diagnostics["voice_profiles"]
    assert profile["title"] == REDACTED
    assert profile["data"][CONF_VOICE] == seed.ALICE_ID
    assert profile["data"][CONF_STYLE] == "default"
    assert profile["voice_usable"] is True
    assert "Grandma" not in json.dumps(diagnostics)
