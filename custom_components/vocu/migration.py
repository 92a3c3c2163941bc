"""Registry migration of 1.3: key-only services' devices and entities keyed by the entry id.

Before 1.3 every entity and device unique id was built from the entry's unique id. For services
without an account endpoint that id is a hash of the key, so each key rotation orphaned the
entities (``tts.noiz_…`` went stale, a ``…_2`` one appeared with a second device). From 1.3 they
are built from the entry id (see ``entity.entry_identity``); this moves existing registry entries
there, keeping the oldest where rotations already left duplicates behind.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .entity import entry_identity

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

# "<service>-<16 hex digits of the key hash>", as service.key_unique_id writes it.
_KEY_HASH_ID = re.compile(r"^[a-z0-9_]+-[0-9a-f]{16}$")


def async_move_to_entry_identity(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Re-key the entry's devices and entities from key hashes to the entry id."""
    identity = entry_identity(entry)
    if identity != entry.entry_id:
        return  # an account service: its ids never depended on the key
    _move_entities(hass, entry, identity)
    _move_devices(hass, entry, identity)


def _move_entities(hass: HomeAssistant, entry: ConfigEntry, identity: str) -> None:
    registry = er.async_get(hass)
    by_key: dict[str, list[er.RegistryEntry]] = {}
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        prefix, _, key = entity.unique_id.partition("_")
        if key and _KEY_HASH_ID.match(prefix):
            by_key.setdefault(key, []).append(entity)
    for key, entities in by_key.items():
        # The oldest is the one automations were written against; later ones are rotation leftovers.
        keep, *leftovers = sorted(entities, key=lambda entity: entity.created_at)
        for leftover in leftovers:
            registry.async_remove(leftover.entity_id)
        if registry.async_get_entity_id(keep.domain, DOMAIN, f"{identity}_{key}") is None:
            registry.async_update_entity(keep.entity_id, new_unique_id=f"{identity}_{key}")


def _move_devices(hass: HomeAssistant, entry: ConfigEntry, identity: str) -> None:
    registry = dr.async_get(hass)
    devices = [
        device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if any(
            domain == DOMAIN and _KEY_HASH_ID.match(value) for domain, value in device.identifiers
        )
    ]
    if (
        not devices
        or registry.async_get_device_by_identifier((DOMAIN, identity), entry.entry_id) is not None
    ):
        return
    keep, *leftovers = sorted(devices, key=lambda device: device.created_at)
    for leftover in leftovers:
        registry.async_remove_device(leftover.id)
    registry.async_update_device(keep.id, new_identifiers={(DOMAIN, identity)})
