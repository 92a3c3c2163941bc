"""Account sensors: credits left and the synchronous concurrency quota (services that report
them, i.e. declare ``Capability.ACCOUNT``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .client.models import Account
from .client.providers import Capability
from .coordinator import VocuCoordinator
from .data import VocuConfigEntry
from .entity import VocuEntity

# Read-only coordinator entities: the coordinator serialises updates, so no limit is needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class VocuSensorEntityDescription(SensorEntityDescription):
    value_fn: Callable[[Account], float | int]


SENSORS: tuple[VocuSensorEntityDescription, ...] = (
    VocuSensorEntityDescription(
        key="credits",
        translation_key="credits",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda account: account.credits,
    ),
    VocuSensorEntityDescription(
        key="paid_credits",
        translation_key="paid_credits",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda account: account.credit,
    ),
    VocuSensorEntityDescription(
        key="bonus_credits",
        translation_key="bonus_credits",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda account: account.bonus_credit,
    ),
    VocuSensorEntityDescription(
        key="sync_concurrency",
        translation_key="sync_concurrency",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda account: account.quota.sync_concurrency,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VocuConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    sensors: list[SensorEntity] = [VocuCreditsTodaySensor(entry)]
    if coordinator.data.account is not None:
        sensors.extend(VocuSensor(coordinator, description) for description in SENSORS)
    async_add_entities(sensors)


class VocuSensor(VocuEntity, SensorEntity):
    entity_description: VocuSensorEntityDescription

    def __init__(
        self, coordinator: VocuCoordinator, description: VocuSensorEntityDescription
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> float | int | None:
        account = self.coordinator.data.account
        return self.entity_description.value_fn(account) if account is not None else None


class VocuCreditsTodaySensor(VocuEntity, SensorEntity):
    """Credits the service reported for this entry's speech during the local day (the daily
    cap's day); unknown for services that report no cost. Not tied to the account poll."""

    entity_description = SensorEntityDescription(
        key="credits_used_today",
        translation_key="credits_used_today",
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=0,
    )

    def __init__(self, entry: VocuConfigEntry) -> None:
        super().__init__(entry.runtime_data.coordinator, self.entity_description.key)
        self._guard = entry.runtime_data.guard
        self._reports_cost = entry.runtime_data.client.supports(Capability.ACCOUNT)

    @property
    def available(self) -> bool:
        return True

    @property
    def native_value(self) -> float | None:
        credits = self._guard.credits_today
        return credits if credits or self._reports_cost else None

    @property
    def last_reset(self) -> datetime:
        return dt_util.start_of_local_day()
