"""Base entity: every entity of an account hangs off one service device named after the account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client.providers import Capability
from .const import CONF_HOST, DOMAIN
from .coordinator import VocuCoordinator
from .service import service_info

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

# The account's web app per API host; a custom host (the emulator) has none.
WEB_APP_URLS: Final = {
    "vocu.ai": "https://app.vocu.ai",
    "vocu.studio": "https://app.vocu.studio",
    "wusound.cn": "https://app.wusound.cn",
}


def entry_identity(entry: ConfigEntry) -> str:
    """What the entry's device and entity unique ids are built from: the account id where the
    service names accounts, else the entry id. The unique id of a key-only service is a hash of
    the key, so building on it would orphan every entity when the key is rotated."""
    if entry.unique_id and service_info(entry.data).supports(Capability.ACCOUNT):
        return entry.unique_id
    return entry.entry_id


def account_device_info(coordinator: VocuCoordinator) -> DeviceInfo:
    """The service device of the account behind `coordinator` (shared with the TTS entity)."""
    entry = coordinator.config_entry
    account = coordinator.data.account
    return DeviceInfo(
        identifiers={(DOMAIN, entry_identity(entry))},
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
        self._attr_unique_id = f"{entry_identity(entry)}_{key}"
        self._attr_device_info = account_device_info(coordinator)
