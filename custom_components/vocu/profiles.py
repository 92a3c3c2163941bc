"""Voice profiles (config subentries) as TTS entities: one per profile, added as profiles are.

Each profile has a device of its own, connected through the account's device (`via_device_id`):
Home Assistant gives a device one config subentry, so profile entities on the account's device
itself would move that device into the profile and drop the entry's own entities with it.

A profile added while the entry is loaded gets its entity at once (no reload that would cut off
what the account's other entities are saying); a changed profile reloads the entry (its subentry
flow asks for that); a removed one loses its entity through the entity registry (Home Assistant
clears a subentry's entities).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .const import DOMAIN, SUBENTRY_PROFILE
from .entity import account_device_info
from .service import service_info

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity import Entity
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import VocuCoordinator


@callback
def async_add_profile_entities(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[ConfigSubentry], Entity],
) -> None:
    """Add ``build(profile)`` for each profile of ``entry`` now and for each one added later
    while the platform is loaded."""
    added: set[str] = set()

    @callback
    def add_new_profiles() -> None:
        for subentry in entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_PROFILE or subentry.subentry_id in added:
                continue
            added.add(subentry.subentry_id)
            async_add_entities([build(subentry)], config_subentry_id=subentry.subentry_id)

    @callback
    def entry_changed(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        if change is ConfigEntryChange.UPDATED and changed.entry_id == entry.entry_id:
            add_new_profiles()

    add_new_profiles()
    entry.async_on_unload(
        async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed)
    )


@callback
def profile_device_info(
    hass: HomeAssistant, coordinator: VocuCoordinator, profile: ConfigSubentry
) -> DeviceInfo:
    """The profile's own service device, named after it, connected through the account's."""
    entry = coordinator.config_entry
    account = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id=None,
        **account_device_info(coordinator),
    )
    return DeviceInfo(
        identifiers={(DOMAIN, profile.subentry_id)},
        manufacturer=service_info(entry.data).title,
        name=profile.title,
        entry_type=DeviceEntryType.SERVICE,
        via_device_id=account.id,
    )
