"""The account poll when the service goes away and comes back: one log line each way (quality
scale: log-when-unavailable), entities unavailable meanwhile, and no key in any log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from vocu_emulator import Fault, seed

CREDITS = "sensor.ada_lovelace_credits"


async def test_outage_is_logged_once_and_recovery_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.vocu")

    vocu_emulator.inject(Fault(path="/api/account/info", status=503, times=None))
    for _ in range(3):  # three polls in a row fail
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get(CREDITS).state == "unavailable"

    vocu_emulator.clear_faults()
    for _ in range(2):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert float(hass.states.get(CREDITS).state) == seed.PAID_CREDIT + seed.PAID_BONUS

    ours = [r for r in caplog.records if r.name.startswith("custom_components.vocu")]
    unavailable = [r for r in ours if r.levelno >= logging.WARNING]
    recovered = [r for r in ours if "recovered" in r.getMessage()]
    assert len(unavailable) == 1, [r.getMessage() for r in unavailable]
    assert len(recovered) == 1, [r.getMessage() for r in ours]
    assert all(seed.PAID_TOKEN not in r.getMessage() for r in ours)


async def test_poll_counts_only_usable_voices_as_usable(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    data = init_integration.runtime_data.coordinator.data
    usable = {voice.id for voice in data.usable_voices}
    assert seed.BOB_ID in usable
    assert seed.ALICE_ID in usable
    assert seed.CREATING_ID not in usable
    assert seed.FAILED_ID not in usable
    assert data.voice(seed.FAILED_ID) is not None  # listed, so it can be deleted
