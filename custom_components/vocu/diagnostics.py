"""Diagnostics: what support needs to see, with the key and personal data redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .const import CONF_VOICE, SUBENTRY_PROFILE
from .data import VocuConfigEntry
from .service import service_info

# "account" in entry.data is a MiniMax account's e-mail address (useapi.net); "group_id" names a
# MiniMax account too.
TO_REDACT = {
    CONF_API_KEY,
    "account",
    "group_id",
    "email",
    "phone",
    "name",
    "title",
    "unique_id",
    "user_id",
    "id",
}
# Voice names are often a real person's name, so only ids and states go out; ids help support.
VOICE_FIELDS = ("id", "status", "source", "language", "version")


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VocuConfigEntry
) -> dict[str, Any]:
    data = entry.runtime_data.coordinator.data
    usable_voices = {voice.id for voice in data.voices if voice.usable}
    account = asdict(data.account) if data.account is not None else None
    if account is not None:
        account.pop("raw", None)
    return {
        "service": service_info(entry.data).name,
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
            "title": REDACTED,
        },
        "account": async_redact_data(account, TO_REDACT) if account is not None else None,
        "voices": [
            {
                **{field: getattr(voice, field) for field in VOICE_FIELDS},
                "name": REDACTED,
                "usable": voice.usable,
                "styles": [style.id for style in voice.styles],
            }
            for voice in data.voices
        ],
        # A profile's name is the user's own words (often a person's name); its settings and
        # whether its voice still exists are what support needs.
        "voice_profiles": [
            {
                "title": REDACTED,
                "data": dict(subentry.data),
                "voice_usable": subentry.data.get(CONF_VOICE) in usable_voices,
            }
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_PROFILE
        ],
        "last_update_success": entry.runtime_data.coordinator.last_update_success,
        # Ids, sizes and costs of the last requests; never their text.
        "recent_requests": list(entry.runtime_data.speech_log.recent),
        "credits_used_today": entry.runtime_data.guard.credits_today,
    }
