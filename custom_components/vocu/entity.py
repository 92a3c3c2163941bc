"""Base entity: every entity of an account hangs off one service device named after the account."""

from __future__ import annotations

from typing import Final

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_HOST, DOMAIN
from .coordinator import VocuCoordinator
from .service import service_info

# The account's web app per API host; a custom host (the emulator) has none.
WEB_APP_URLS: Final = {
    "vocu.ai": "https://app.vocu.ai",
    "vocu.studio": "https://app.vocu.studio",
    "wusound.cn": "https://app.wusound.cn",
}


def account_device_info(coordinator: VocuCoordinator) -> DeviceInfo:
    """The service device of the account behind `coordinator` (shared with the TTS entity)."""
    entry = coordinator.config_entry
    account = coordinator.data.account
    return DeviceInfo(
        identifiers={(DOMAIN, entry.unique_id or entry.entry_id)},
        manufacturer=service_info(entry.data).title,
        name=(account.name if account is not None else None) or entry.title,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=WEB_APP_URLS.get(entry.data.get(CONF_HOST, "")),
    )


class VocuEntity(CoordinatorEntity[VocuCoordinator]):
    """An entity fed by the account coordinator, named "<account> <entity name>"."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: VocuCoordinator, key: str) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{key}"
        self._attr_device_info = account_device_info(coordinator)
