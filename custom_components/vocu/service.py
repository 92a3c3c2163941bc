"""Which voice service an entry speaks with: its provider, identity and service-level defaults.

Everything goes through the provider interface and its declared capabilities; this integration
never imports a service module (only the registry), so a service can change in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import CONF_API_KEY
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client.providers import Capability, ProviderInfo, VoiceProvider, create_provider
from .client.providers import provider_info as _provider_info
from .const import (
    CONF_ACCOUNT,
    CONF_BASE_URL,
    CONF_EMOTION,
    CONF_FLASH,
    CONF_GROUP_ID,
    CONF_LANGUAGE,
    CONF_PRESET,
    CONF_PROVIDER,
    CONF_SEED,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
    DATA_HOST_MAP,
    DEFAULT_PROVIDER,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .client import VocuClient

# Services that report no concurrency quota get this many requests at once per entry: enough to
# pipeline the next sentence while one plays, few enough not to trip a service's rate limit.
DEFAULT_CONCURRENCY: Final = 2


def provider_name(data: Mapping[str, Any]) -> str:
    return str(data.get(CONF_PROVIDER) or DEFAULT_PROVIDER)


def service_info(data: Mapping[str, Any]) -> ProviderInfo:
    """The registry's facts about the entry's service (title, default URL, capabilities)."""
    return _provider_info(provider_name(data))


def build_provider(hass: HomeAssistant, data: Mapping[str, Any]) -> VoiceProvider:
    """The entry's provider on Home Assistant's shared session (never closed by the provider)."""
    extra: dict[str, Any] = {}
    if data.get(CONF_ACCOUNT):
        extra["account"] = data[CONF_ACCOUNT]
    if host_map := hass.data.get(DATA_HOST_MAP):
        extra["host_map"] = dict(host_map)  # tests: built-in hosts answered by the emulator
    if data.get(CONF_GROUP_ID):
        extra["group_id"] = data[CONF_GROUP_ID]
    return create_provider(
        provider_name(data),
        data[CONF_API_KEY],
        session=async_get_clientsession(hass),
        base_url=data.get(CONF_BASE_URL) or None,
        **extra,
    )


def key_unique_id(name: str, api_key: str, account: str | None = None) -> str:
    """An entry id for services without an account endpoint: a hash, never the key itself."""
    material = f"{name}\n{api_key}\n{account or ''}".encode()
    return f"{name}-{hashlib.sha256(material).hexdigest()[:16]}"


def styles_client(provider: VoiceProvider) -> VocuClient | None:
    """The service client behind a provider that declares styles (Vocu keeps them there)."""
    if not provider.supports(Capability.STYLES):
        return None
    return getattr(provider, "client", None)


# Options that change the audio, in the order forms and the TTS entity show them.
ALL_AUDIO_OPTIONS: Final = (
    CONF_VOICE,
    CONF_STYLE,
    CONF_PRESET,
    CONF_LANGUAGE,
    CONF_SPEED,
    CONF_FLASH,
    CONF_SEED,
    CONF_VIVID,
    CONF_EMOTION,
)
COMMON_AUDIO_OPTIONS: Final = frozenset({CONF_VOICE, CONF_LANGUAGE, CONF_SPEED})
# A service's own generation controls. Noiz (emo) and MiniMax (one emotion) reduce our five
# emotion weights to something else, so emotion is offered only where it means what it says.
SERVICE_AUDIO_OPTIONS: Final[Mapping[str, frozenset[str]]] = {
    "vocu": frozenset({CONF_PRESET, CONF_FLASH, CONF_SEED, CONF_VIVID, CONF_EMOTION}),
}


def audio_options(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The audio options the entry's service understands (style only where it has STYLES)."""
    info = service_info(data)
    allowed = COMMON_AUDIO_OPTIONS | SERVICE_AUDIO_OPTIONS.get(info.name, frozenset())
    if info.supports(Capability.STYLES):
        allowed |= {CONF_STYLE}
    return tuple(option for option in ALL_AUDIO_OPTIONS if option in allowed)
