"""The integration's actions: voice management (list, clone, delete voices and add styles, with
responses), registered here with `vocu.announce` (its own module, `announce.py`).

Cloning, deleting and adding styles change the account (and can cost credits), so they are
admin-only. Every action names its config entry; errors are translated. Listing, cloning and
deleting work for every service; styles only where the service declares them (Vocu).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service

from .announce import ANNOUNCE_SCHEMA, SERVICE_ANNOUNCE, async_announce
from .audio_input import async_read_audio
from .client.deadline import ACTION_DEADLINE
from .client.errors import VoiceNotReadyError, VoiceServiceError
from .client.models import Voice
from .client.providers import Capability
from .const import DOMAIN
from .service import service_info, styles_client

if TYPE_CHECKING:
    from .data import VocuConfigEntry

SERVICE_LIST_VOICES: Final = "list_voices"
SERVICE_CLONE_VOICE: Final = "clone_voice"
SERVICE_DELETE_VOICE: Final = "delete_voice"
SERVICE_ADD_STYLE: Final = "add_style"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_NAME: Final = "name"
ATTR_AUDIO: Final = "audio"
ATTR_LANGUAGE: Final = "language"
ATTR_VOCAL_FILTER: Final = "vocal_filter"
ATTR_WAIT_TIMEOUT: Final = "wait_timeout"
ATTR_VOICE_ID: Final = "voice_id"
ATTR_DESCRIPTION: Final = "description"

DEFAULT_WAIT_TIMEOUT: Final = 60
# Professional clones can train for hours; an action call must not hang that long.
MAX_WAIT_TIMEOUT: Final = 600

_ENTRY: Final = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}

LIST_VOICES_SCHEMA: Final = vol.Schema(_ENTRY)
CLONE_VOICE_SCHEMA: Final = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_NAME): vol.All(cv.string, vol.Length(min=1, max=100)),
        vol.Required(ATTR_AUDIO): vol.All(cv.string, vol.Length(min=1)),
        vol.Optional(ATTR_LANGUAGE): cv.string,
        vol.Optional(ATTR_DESCRIPTION): cv.string,
        vol.Optional(ATTR_VOCAL_FILTER, default=True): cv.boolean,
        vol.Optional(ATTR_WAIT_TIMEOUT, default=DEFAULT_WAIT_TIMEOUT): vol.All(
            vol.Coerce(int), vol.Range(min=0, max=MAX_WAIT_TIMEOUT)
        ),
    }
)
DELETE_VOICE_SCHEMA: Final = vol.Schema(
    {**_ENTRY, vol.Required(ATTR_VOICE_ID): vol.All(cv.string, vol.Length(min=1))}
)
ADD_STYLE_SCHEMA: Final = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_VOICE_ID): vol.All(cv.string, vol.Length(min=1)),
        vol.Required(ATTR_NAME): vol.All(cv.string, vol.Length(min=1, max=100)),
        vol.Required(ATTR_AUDIO): vol.All(cv.string, vol.Length(min=1)),
        vol.Optional(ATTR_DESCRIPTION): cv.string,
        vol.Optional(ATTR_VOCAL_FILTER): cv.boolean,
    }
)


def _entry(hass: HomeAssistant, call: ServiceCall) -> VocuConfigEntry:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"entry": entry.title},
        )
    return entry


def _voice_summary(voice: Voice) -> dict[str, Any]:
    return {
        "id": voice.id,
        "name": voice.name,
        "status": voice.status,
        "usable": voice.usable,
        "styles": [{"id": style.id, "name": style.name} for style in voice.styles],
        "market": voice.is_market,
        "builtin": bool(voice.builtin),
    }


async def _list_voices(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _entry(hass, call)
    data = entry.runtime_data
    try:
        voices = await data.client.list_voices(include_builtin=True)
    except VoiceServiceError as err:
        raise data.guard.translate(err) from err
    return {"voices": [_voice_summary(voice) for voice in voices]}


async def _clone_voice(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _entry(hass, call)
    data = entry.runtime_data
    try:
        voice = await _create_voice(hass, entry, call)
        if not voice.usable and call.data[ATTR_WAIT_TIMEOUT]:
            try:
                voice = await data.client.wait_for_voice(
                    voice.id, timeout=call.data[ATTR_WAIT_TIMEOUT]
                )
            except VoiceNotReadyError:
                # Timed out (still training) or failed: the voice's own status tells which.
                voice = await data.client.get_voice(voice.id)
    except VoiceServiceError as err:
        raise data.guard.translate(err) from err
    finally:
        await data.coordinator.async_refresh()
    if voice.status == "failed":
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="clone_failed",
            translation_placeholders={"name": voice.name, "service": data.client.info.title},
        )
    return {
        "voice_id": voice.id,
        "name": voice.name,
        "status": voice.status,
        "usable": voice.usable,
    }


async def _create_voice(hass: HomeAssistant, entry: VocuConfigEntry, call: ServiceCall) -> Voice:
    """Clone from the sample: a URL goes to services that fetch it themselves, anything else is
    read here (media source, allowlisted file, URL) and uploaded."""
    provider = entry.runtime_data.client
    source = call.data[ATTR_AUDIO].strip()
    common: dict[str, Any] = {
        "language": call.data.get(ATTR_LANGUAGE),
        "noise_reduction": call.data[ATTR_VOCAL_FILTER],
    }
    if provider.supports(Capability.CLONE_FROM_URL) and source.startswith(("http://", "https://")):
        return await provider.clone_voice(
            call.data[ATTR_NAME], audio_url=source, deadline=ACTION_DEADLINE, **common
        )
    audio, filename = await async_read_audio(hass, source)
    if (vocu := styles_client(provider)) is not None:
        # Vocu also keeps a description with the voice.
        return await vocu.create_voice(
            call.data[ATTR_NAME],
            audio,
            filename=filename,
            language=common["language"],
            description=call.data.get(ATTR_DESCRIPTION),
            vocal_filter=common["noise_reduction"],
        )
    return await provider.clone_voice(
        call.data[ATTR_NAME], audio, filename=filename, deadline=ACTION_DEADLINE, **common
    )


async def _delete_voice(hass: HomeAssistant, call: ServiceCall) -> None:
    entry = _entry(hass, call)
    data = entry.runtime_data
    try:
        await data.client.delete_voice(call.data[ATTR_VOICE_ID], deadline=ACTION_DEADLINE)
    except VoiceServiceError as err:
        raise data.guard.translate(err) from err
    finally:
        await data.coordinator.async_refresh()


async def _add_style(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _entry(hass, call)
    data = entry.runtime_data
    vocu = styles_client(data.client)
    if vocu is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="styles_not_supported",
            translation_placeholders={"service": service_info(entry.data).title},
        )
    voice_id = call.data[ATTR_VOICE_ID]
    audio, _filename = await async_read_audio(hass, call.data[ATTR_AUDIO])
    try:
        before = {style.id for style in (await vocu.get_voice(voice_id)).styles}
        voice = await vocu.add_style(
            voice_id,
            call.data[ATTR_NAME],
            audio,
            description=call.data.get(ATTR_DESCRIPTION),
            vocal_filter=call.data.get(ATTR_VOCAL_FILTER),
        )
    except VoiceServiceError as err:
        raise data.guard.translate(err) from err
    finally:
        await data.coordinator.async_refresh()
    added = [style for style in voice.styles if style.id not in before]
    return {
        "voice_id": voice.id,
        "style_id": added[0].id if added else None,
        "styles": [{"id": style.id, "name": style.name} for style in voice.styles],
    }


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for all entries (called from the integration's async_setup)."""

    async def list_voices(call: ServiceCall) -> ServiceResponse:
        return await _list_voices(hass, call)

    async def clone_voice(call: ServiceCall) -> ServiceResponse:
        return await _clone_voice(hass, call)

    async def delete_voice(call: ServiceCall) -> None:
        await _delete_voice(hass, call)

    async def add_style(call: ServiceCall) -> ServiceResponse:
        return await _add_style(hass, call)

    async def announce(call: ServiceCall) -> None:
        await async_announce(hass, call)

    # Speaks and changes nothing on the account, like tts.speak: not admin-only.
    hass.services.async_register(DOMAIN, SERVICE_ANNOUNCE, announce, schema=ANNOUNCE_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_VOICES,
        list_voices,
        schema=LIST_VOICES_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CLONE_VOICE,
        clone_voice,
        CLONE_VOICE_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_DELETE_VOICE, delete_voice, DELETE_VOICE_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_ADD_STYLE, add_style, ADD_STYLE_SCHEMA, SupportsResponse.OPTIONAL
    )
