"""Account sensors: credits left and the synchronous concurrency quota (services that report
them, i.e. declare ``Capability.ACCOUNT``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client.models import Account
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
    if coordinator.data.account is None:
        return
    async_add_entities(VocuSensor(coordinator, description) for description in SENSORS)


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
