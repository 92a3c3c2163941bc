"""Voice profile subentry flow: a name and a voice, then how that voice speaks.

Each profile (config subentry) is its own TTS entity on the account's device, so an Assist
pipeline or an automation picks "Kitchen — calm" without options in YAML. The forms are the
options flow's: the voice picker fresh from the API, then its settings without the account-wide
limits (caps, fallback, text cleaning stay the entry's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector

from .client.errors import VoiceServiceError
from .client.models import Voice
from .const import CONF_STYLE, CONF_VOICE, SUBENTRY_PROFILE
from .options import with_defaults
from .options_flow import form_values, settings_schema, stored_options
from .selectors import style_or_first, usable_voices, voice_selector
from .service import ALL_AUDIO_OPTIONS, audio_options


def profile_data(voice_id: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The settings form's answer as subentry data: only what changes the audio, typed as the
    entry's options are (so the TTS entity reads both the same way)."""
    stored = stored_options(voice_id, dict(form))
    return {key: stored[key] for key in ALL_AUDIO_OPTIONS}


class VoiceProfileFlow(ConfigSubentryFlow):
    """Add or change a voice profile; a change reloads the entry so the entity is rebuilt."""

    def __init__(self) -> None:
        self._voices: dict[str, Voice] = {}
        self._voice: Voice | None = None
        self._name = ""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        return await self.async_step_voice()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        return await self.async_step_voice()

    @property
    def _current(self) -> Mapping[str, Any]:
        """What the forms start from: the profile's settings, or the account's for a new one."""
        if self.source == SOURCE_USER:
            return self._get_entry().options
        return self._get_reconfigure_subentry().data

    def _name_taken(self, name: str) -> bool:
        """Two profiles of one account with one name would be two entities nobody can tell
        apart in the engine list."""
        own = None if self.source == SOURCE_USER else self._reconfigure_subentry_id
        return any(
            subentry.title.casefold() == name.casefold()
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_PROFILE and subentry.subentry_id != own
        )

    async def async_step_voice(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            self._name = " ".join(str(user_input[CONF_NAME]).split())
            if not self._name:
                errors[CONF_NAME] = "name_required"
            elif self._name_taken(self._name):
                errors[CONF_NAME] = "name_taken"
            else:
                # The selector offers (and Home Assistant accepts) only the ids listed below.
                self._voice = self._voices[user_input[CONF_VOICE]]
                return await self.async_step_settings()
        else:
            # Fresh from the API, so a voice cloned a minute ago can have its own profile.
            try:
                voices = await entry.runtime_data.client.list_voices(include_builtin=True)
            except VoiceServiceError:
                return self.async_abort(reason="cannot_connect")
            self._voices = {voice.id: voice for voice in usable_voices(voices)}
            if not self._voices:
                return self.async_abort(reason="no_usable_voices")
        suggested: dict[str, Any] = {}
        if self.source != SOURCE_USER:
            suggested[CONF_NAME] = self._get_reconfigure_subentry().title
        if (voice_id := self._current.get(CONF_VOICE)) in self._voices:
            suggested[CONF_VOICE] = voice_id
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_VOICE): voice_selector(self._voices.values()),
            }
        )
        return self.async_show_form(
            step_id="voice",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or suggested),
            errors=errors,
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        assert self._voice is not None
        entry = self._get_entry()
        if user_input is not None:
            data = profile_data(self._voice.id, user_input)
            if self.source == SOURCE_USER:
                return self.async_create_entry(title=self._name, data=data)
            return self.async_update_reload_and_abort(
                entry, self._get_reconfigure_subentry(), title=self._name, data=data
            )
        settings = with_defaults(self._current)
        settings[CONF_STYLE] = style_or_first(self._voice, settings[CONF_STYLE])
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                settings_schema(self._voice, audio_options(entry.data), account_settings=False),
                form_values(settings),
            ),
            description_placeholders={"voice": self._voice.name, "profile": self._name},
        )
