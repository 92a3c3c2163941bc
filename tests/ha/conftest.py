"""Fixtures for the Home Assistant integration tests: a config entry aimed at the local emulator.

Every test talks to the real `vocu_emulator` over loopback through the real client and HA's shared
aiohttp session; nothing of our own is mocked. Reused by the TTS and services tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from service_cases import SERVICES, ServiceCase
from syrupy.assertion import SnapshotAssertion
from vocu_emulator import seed

from custom_components.vocu.const import (
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_HOST,
    CONF_PROVIDER,
    DOMAIN,
    HOST_CUSTOM,
)
from custom_components.vocu.options import default_options
from custom_components.vocu.service import key_unique_id


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/vocu in every test of this folder."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots that understand Home Assistant's types (states, registry entries, ...)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


USER_IDS = {
    seed.PAID_TOKEN: seed.PAID_USER_ID,
    seed.FREE_TOKEN: seed.FREE_USER_ID,
    seed.LOW_CREDIT_TOKEN: seed.LOW_CREDIT_USER_ID,
}


@pytest.fixture
def provider_name() -> str:
    """The entry's voice service; parametrize `provider_name` to run a test for others."""
    return "vocu"


@pytest.fixture
def service_case(provider_name: str) -> ServiceCase:
    return SERVICES[provider_name]


@pytest.fixture
def api_token(service_case: ServiceCase) -> str:
    """The seeded token the entry uses; override to run a test as another Vocu account."""
    return service_case.key


@pytest.fixture
def entry_data(vocu_emulator: Any, api_token: str, service_case: ServiceCase) -> dict[str, Any]:
    """entry.data pointing at the emulator as a custom host."""
    return {
        CONF_PROVIDER: service_case.name,
        CONF_API_KEY: api_token,
        CONF_HOST: HOST_CUSTOM,
        CONF_BASE_URL: vocu_emulator.url(service_case.prefix),
        CONF_ASYNC_MODE: False,
    }


@pytest.fixture
def entry_options(service_case: ServiceCase) -> dict[str, Any]:
    """entry.options: a usable voice (Bob for Vocu) with every other option at its default."""
    return default_options(service_case.voice_id)


@pytest.fixture
def mock_config_entry(
    vocu_emulator: Any,
    api_token: str,
    service_case: ServiceCase,
    entry_data: dict[str, Any],
    entry_options: dict[str, Any],
) -> MockConfigEntry:
    """A config entry for the seeded account (not yet added to hass)."""
    unique_id = (
        USER_IDS[api_token]
        if service_case.name == "vocu"
        else key_unique_id(service_case.name, api_token)
    )
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{service_case.title} test account",
        data=entry_data,
        options=entry_options,
        unique_id=unique_id,
        version=1,
        minor_version=3,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The entry added and set up; unloaded afterwards so no timer outlives the test."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    yield mock_config_entry
    if mock_config_entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(mock_config_entry.entry_id)
        await hass.async_block_till_done()
