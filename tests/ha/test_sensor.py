"""Account sensors: values match the emulator's account, and follow usage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from vocu_emulator import Fault, seed

from custom_components.vocu.client.models import GenerationResult
from custom_components.vocu.const import DOMAIN

CREDITS = "sensor.ada_lovelace_credits"


async def test_sensors_show_the_account(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    state = hass.states.get(CREDITS)
    assert state is not None
    assert float(state.state) == seed.PAID_CREDIT + seed.PAID_BONUS
    assert state.attributes["state_class"] == "measurement"
    assert state.attributes["friendly_name"] == "Ada Lovelace Credits"

    concurrency = entity_registry.async_get("sensor.ada_lovelace_concurrent_generations")
    assert concurrency is not None
    assert concurrency.entity_category is EntityCategory.DIAGNOSTIC
    assert hass.states.get("sensor.ada_lovelace_concurrent_generations").state == "4"

    # The paid/bonus split exists but is disabled until the user wants it.
    for key in ("paid_credits", "bonus_credits"):
        entry = entity_registry.async_get(f"sensor.ada_lovelace_{key}")
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION

    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, seed.PAID_USER_ID), init_integration.entry_id
    )
    assert device is not None
    assert device.name == seed.PAID_NAME
    assert device.manufacturer == "Vocu"
    assert device.entry_type is dr.DeviceEntryType.SERVICE


async def test_credits_follow_usage(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    await coordinator.async_record_usage(GenerationResult(credit_used=30))
    await hass.async_block_till_done()
    # Shown at once from the generation's own report, before the account is read again.
    assert float(hass.states.get(CREDITS).state) == seed.PAID_CREDIT + seed.PAID_BONUS - 30

    # Then the debounced refresh shows what the service says (here: something else entirely).
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 1234, 66)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == 1300


async def test_usage_without_a_reported_cost_still_refreshes(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 10, 0)
    await coordinator.async_record_usage(None)
    await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == seed.PAID_CREDIT + seed.PAID_BONUS
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == 10


async def test_sensors_unavailable_when_the_service_fails(
    hass: HomeAssistant, vocu_emulator: Any, init_integration: MockConfigEntry
) -> None:
    vocu_emulator.inject(Fault(path="/api/account/info", status=502, times=None))
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(CREDITS).state == "unavailable"

    vocu_emulator.clear_faults()
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == seed.PAID_CREDIT + seed.PAID_BONUS
