"""`vocu.announce`: one message from the voice service straight to media players.

A cloud speaker (Cast, Sonos) is handed the service's own signed, key-free stream URL and streams
from the service directly, even when it cannot reach Home Assistant's URL. A service without
signed URLs (Noiz) is announced through Home Assistant's TTS proxy URL instead, exactly as
`tts.speak` would. A player takes one URL, so on the signed path the text must fit one request of
the service; the request goes through the entry's guard (per-call limit, daily cap, concurrency,
error translation) like every other synthesis, its text is made speakable as the entity's is, it
fires `vocu_speech_spoken`, and when the service cannot speak the fallback engine (if any) is
announced through its proxy URL instead.

Not admin-only: like `tts.speak` it speaks and changes nothing on the account. The caller must
be allowed to control the TTS entity and the media players (checked before anything is billed).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

import probatio as vol
from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.components import tts
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_ENQUEUE,
    SERVICE_PLAY_MEDIA,
    MediaPlayerEnqueue,
    MediaType,
)
from homeassistant.components.media_player.const import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.components.tts.const import DATA_COMPONENT as TTS_ENTITIES
from homeassistant.components.tts.const import DOMAIN as TTS_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv

from .client.deadline import SPEECH_DEADLINE
from .client.errors import VoiceServiceError
from .client.providers import Capability
from .client.speakable import speakable
from .const import CONF_SPEAKABLE, DOMAIN
from .fallback import CANNOT_SPEAK, fallback_engine
from .options import OPTION_DEFAULTS
from .service import service_info
from .speech_options import resolve
from .spoken import Announcement
from .tts import VocuTTSEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant, ServiceCall

_LOGGER = logging.getLogger(__name__)

SERVICE_ANNOUNCE: Final = "announce"

ATTR_MEDIA_PLAYER_ENTITY_ID: Final = "media_player_entity_id"
ATTR_MESSAGE: Final = "message"
ATTR_OPTIONS: Final = "options"
ATTR_ANNOUNCE: Final = "announce"
ATTR_ENQUEUE: Final = "enqueue"

ANNOUNCE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_domain(TTS_DOMAIN),
        vol.Required(ATTR_MEDIA_PLAYER_ENTITY_ID): cv.comp_entity_ids,
        vol.Required(ATTR_MESSAGE): vol.All(cv.string, str.strip, vol.Length(min=1)),
        vol.Optional(ATTR_OPTIONS): dict,
        # As in media_player.play_media: an announcement interrupts and resumes, an enqueued
        # message waits its turn; one call cannot ask for both.
        vol.Exclusive(ATTR_ANNOUNCE, "enqueue_announce"): cv.boolean,
        vol.Exclusive(ATTR_ENQUEUE, "enqueue_announce"): vol.Coerce(MediaPlayerEnqueue),
    }
)


async def async_announce(hass: HomeAssistant, call: ServiceCall) -> None:
    """Speak `message` on the media players, from the service's URL where it has one."""
    players = call.data[ATTR_MEDIA_PLAYER_ENTITY_ID]
    # Before anything is billed: play_media would refuse a user who may not control the
    # players, but only after the service had generated (and charged for) the audio.
    await async_check_control(hass, call, [call.data[ATTR_ENTITY_ID], *players])
    entity = vocu_tts_entity(hass, call.data[ATTR_ENTITY_ID])
    media_id = await announcement_media_id(
        hass, entity, call.data[ATTR_MESSAGE], dict(call.data.get(ATTR_OPTIONS) or {})
    )
    play: dict[str, Any] = {
        ATTR_ENTITY_ID: players,
        ATTR_MEDIA_CONTENT_ID: media_id,
        ATTR_MEDIA_CONTENT_TYPE: MediaType.MUSIC,
    }
    if ATTR_ENQUEUE in call.data:
        play[ATTR_MEDIA_ENQUEUE] = call.data[ATTR_ENQUEUE]
    else:
        play[ATTR_MEDIA_ANNOUNCE] = call.data.get(ATTR_ANNOUNCE, True)
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN, SERVICE_PLAY_MEDIA, play, blocking=True, context=call.context
    )


async def async_check_control(
    hass: HomeAssistant, call: ServiceCall, entity_ids: list[str]
) -> None:
    """Refuse a user who may not control every entity the call uses (as entity services do)."""
    if not call.context.user_id:
        return
    user = await hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context)
    for entity_id in entity_ids:
        if not user.permissions.check_entity(entity_id, POLICY_CONTROL):
            raise Unauthorized(context=call.context, entity_id=entity_id, permission=POLICY_CONTROL)


def vocu_tts_entity(hass: HomeAssistant, entity_id: str) -> VocuTTSEntity:
    """The loaded TTS entity of this integration called `entity_id`, or a translated refusal."""
    component = hass.data.get(TTS_ENTITIES)
    entity = component.get_entity(entity_id) if component is not None else None
    if not isinstance(entity, VocuTTSEntity):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_an_engine_of_ours",
            translation_placeholders={"entity_id": entity_id},
        )
    return entity


async def announcement_media_id(
    hass: HomeAssistant, entity: VocuTTSEntity, message: str, options: dict[str, Any]
) -> str:
    """What the players are handed: the service's signed URL, else a `tts` media-source id
    (which the player's integration resolves to Home Assistant's `/api/tts_proxy/…` URL)."""
    supported = set(entity.supported_options or ())
    if unknown := sorted(set(options) - supported):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_option",
            translation_placeholders={
                "error": f"not an option of this engine: {', '.join(unknown)}"
            },
        )
    client = entity.coordinator.config_entry.runtime_data.client
    if not client.supports(Capability.SIGNED_URLS):
        # The entity speaks when the player fetches the proxy URL: guard, fallback and event
        # are the entity's, exactly as for tts.speak.
        return tts.generate_media_source_id(hass, message, engine=entity.entity_id, options=options)
    return await signed_stream_url(hass, entity, message, options)


async def signed_stream_url(
    hass: HomeAssistant, entity: VocuTTSEntity, message: str, options: dict[str, Any]
) -> str:
    """One key-free URL of `message` from the service, admitted and translated by the guard;
    when the service cannot speak, the fallback engine's proxy URL (if one is configured).

    The event and the day's credits are recorded when the players are handed the URL: the
    audio itself goes to them, so its duration is not known here (None in the event).
    """
    entry = entity.coordinator.config_entry
    data = entry.runtime_data
    guard = data.guard
    guard.check_length(len(message))  # the caller's text, as the entity checks it
    if entry.options.get(CONF_SPEAKABLE, OPTION_DEFAULTS[CONF_SPEAKABLE]):
        message = speakable(message) or message
    limit = data.client.max_chars_per_request
    if len(message) > limit:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="announcement_too_long",
            translation_placeholders={
                "service": service_info(entry.data).title,
                "length": str(len(message)),
                "limit": str(limit),
            },
        )
    voice, synthesis = resolve(
        {**entity.default_options, **options},
        entity.coordinator.data.voices,
        entity.default_language,
        entity.default_language,
    )
    announcement = Announcement(entity.entity_id, voice.id)
    await guard.async_admit(len(message))
    try:
        async with guard.slot():
            result = await data.client.create_stream_url(
                message, voice.id, synthesis, deadline=SPEECH_DEADLINE
            )
    except VoiceServiceError as err:
        await guard.async_refund(len(message))
        translated = guard.translate(err)
        engine = fallback_engine(entry)
        if engine is None or not isinstance(err, CANNOT_SPEAK):
            raise translated from err
        try:
            media_id = tts.generate_media_source_id(hass, message, engine=engine)
        except HomeAssistantError as fallback_err:
            _LOGGER.warning("The fallback engine %s cannot speak: %s", engine, fallback_err)
            raise translated from err
        announcement.request(len(message), heard=False)
        announcement.fallback = True
        data.fallback.async_used(engine, err)
        data.speech_log.async_spoken(announcement)
        return media_id
    except asyncio.CancelledError:
        await guard.async_refund(len(message))
        raise
    if not (url := result.playable_url):
        await guard.async_refund(len(message))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_stream_url",
            translation_placeholders={"service": service_info(entry.data).title},
        )
    announcement.request(len(message), heard=False).finish(result)
    data.speech_log.async_spoken(announcement)
    await entity.coordinator.async_record_usage(result)
    return url
