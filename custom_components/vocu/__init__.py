"""The Vocu integration: a cloned voice (Vocu, Noiz AI or MiniMax) as a text-to-speech engine."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .client import HOSTS
from .const import (
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_HOST,
    CONF_PROVIDER,
    DEFAULT_HOST,
    DEFAULT_PROVIDER,
    DOMAIN,
    HOST_CUSTOM,
)
from .coordinator import VocuCoordinator
from .data import VocuConfigEntry, VocuData
from .fallback import FallbackNotice
from .guard import SynthesisGuard, usage_store
from .migration import async_move_to_entry_identity
from .options import with_defaults
from .service import DEFAULT_CONCURRENCY, build_provider
from .services import async_setup_services
from .spoken import SpeechLog

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [Platform.SENSOR, Platform.TTS]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once, so they exist (and explain themselves) with no entry loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: VocuConfigEntry) -> bool:
    """Validate the key against the service, then start the sensors and the TTS engine."""
    client = build_provider(hass, entry.data)
    coordinator = VocuCoordinator(hass, entry, client)
    # AuthenticationError → ConfigEntryAuthFailed (reauth); others → ConfigEntryNotReady (retry).
    await coordinator.async_config_entry_first_refresh()

    account = coordinator.data.account
    concurrency = account.quota.sync_concurrency if account is not None else DEFAULT_CONCURRENCY
    guard = SynthesisGuard(hass, entry, concurrency, coordinator.async_mark_auth_failed)
    await guard.async_load()

    speech_log = SpeechLog(hass, guard, coordinator.async_update_listeners)
    entry.runtime_data = VocuData(
        client=client,
        coordinator=coordinator,
        guard=guard,
        speech_log=speech_log,
        fallback=FallbackNotice(hass, entry),
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: VocuConfigEntry) -> bool:
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.guard.async_flush()
    return unloaded


def _host_of(base_url: str) -> str:
    return next((host for host, url in HOSTS.items() if url == base_url), HOST_CUSTOM)


def migrate_entry_contents(
    data: dict[str, Any], options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bring 1.0 entries (only a key, maybe a base URL) and 1.1 entries (Vocu only, no
    service named) to 1.2's complete data and options."""
    base_url = data.get(CONF_BASE_URL) or HOSTS[DEFAULT_HOST]
    new_data = {
        CONF_PROVIDER: data.get(CONF_PROVIDER) or DEFAULT_PROVIDER,
        CONF_API_KEY: data[CONF_API_KEY],
        CONF_HOST: data.get(CONF_HOST) or _host_of(base_url),
        CONF_BASE_URL: base_url,
        CONF_ASYNC_MODE: bool(data.get(CONF_ASYNC_MODE, False)),
    }
    return new_data, with_defaults(options)


async def async_remove_entry(hass: HomeAssistant, entry: VocuConfigEntry) -> None:
    """Delete the entry's daily-usage counter with it: nothing of a removed entry stays behind."""
    await usage_store(hass, entry).async_remove()


async def async_migrate_entry(hass: HomeAssistant, entry: VocuConfigEntry) -> bool:
    """Upgrade entries written by older releases (1.2: every entry names its service; 1.3:
    key-only services' device and entity ids no longer follow the key). Home Assistant itself
    refuses a newer major version; a newer minor version is compatible and loads as is."""
    if entry.minor_version < 2:
        data, options = migrate_entry_contents(dict(entry.data), dict(entry.options))
        hass.config_entries.async_update_entry(entry, data=data, options=options, minor_version=2)
    if entry.minor_version < 3:
        async_move_to_entry_identity(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=3)
    _LOGGER.debug("Vocu entry %s is at 1.%s", entry.title, entry.minor_version)
    return True
