"""Options flow: voice (fresh from the API), then that voice's style and the generation settings."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .client.errors import VoiceServiceError
from .client.models import EMOTIONS, LANGUAGES, PRESETS, Voice
from .client.wire import MAX_SEED, MIN_SEED
from .const import (
    CONF_DAILY_CHAR_CAP,
    CONF_EMOTION,
    CONF_FALLBACK_ENGINE,
    CONF_FLASH,
    CONF_LANGUAGE,
    CONF_MAX_CHARS_PER_CALL,
    CONF_PRESET,
    CONF_SEED,
    CONF_SPEAKABLE,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
)
from .fallback import is_own_engine
from .options import with_defaults
from .selectors import style_or_first, style_selector, usable_voices, voice_selector
from .service import audio_options

# One form field per emotion weight, stored together as the five-int CONF_EMOTION list.
EMOTION_FIELDS: tuple[str, ...] = tuple(f"emotion_{name}" for name in EMOTIONS)

SPEED_MIN, SPEED_MAX = 0.5, 2.0
SEED_MIN, SEED_MAX = MIN_SEED, MAX_SEED  # the client checks per-call seeds the same way


def _count(maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=0, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    )


def settings_schema(
    voice: Voice, allowed: tuple[str, ...], *, account_settings: bool = True
) -> vol.Schema:
    """Everything but the voice that the service understands (``allowed``, from audio_options);
    the style list is the chosen voice's. Without ``account_settings`` (a voice profile) only
    how it sounds: the limits, fallback and text cleaning stay the account's."""
    emotion = NumberSelector(
        NumberSelectorConfig(min=0, max=10, step=1, mode=NumberSelectorMode.SLIDER)
    )
    fields: dict[Any, Any] = {
        vol.Required(CONF_STYLE): style_selector(voice),
        vol.Required(CONF_PRESET): SelectSelector(
            SelectSelectorConfig(
                options=list(PRESETS), mode=SelectSelectorMode.LIST, translation_key="preset"
            )
        ),
        vol.Required(CONF_LANGUAGE): SelectSelector(
            SelectSelectorConfig(
                options=list(LANGUAGES),
                mode=SelectSelectorMode.DROPDOWN,
                translation_key="language",
            )
        ),
        vol.Required(CONF_SPEED): NumberSelector(
            NumberSelectorConfig(
                min=SPEED_MIN, max=SPEED_MAX, step=0.05, mode=NumberSelectorMode.SLIDER
            )
        ),
        vol.Required(CONF_FLASH): BooleanSelector(),
        vol.Optional(CONF_SEED): NumberSelector(
            NumberSelectorConfig(min=SEED_MIN, max=SEED_MAX, step=1, mode=NumberSelectorMode.BOX)
        ),
        vol.Required(CONF_VIVID): BooleanSelector(),
    }
    fields.update({vol.Required(name): emotion for name in EMOTION_FIELDS})
    keep = set(allowed) | (set(EMOTION_FIELDS) if CONF_EMOTION in allowed else set())
    fields = {key: value for key, value in fields.items() if str(key) in keep}
    if not account_settings:
        return vol.Schema(fields)
    fields[vol.Required(CONF_MAX_CHARS_PER_CALL)] = _count(100_000)
    fields[vol.Required(CONF_DAILY_CHAR_CAP)] = _count(10_000_000)
    fields[vol.Optional(CONF_SPEAKABLE)] = BooleanSelector()
    fields[vol.Optional(CONF_FALLBACK_ENGINE)] = EntitySelector(EntitySelectorConfig(domain="tts"))
    return vol.Schema(fields)


def form_values(options: dict[str, Any]) -> dict[str, Any]:
    """Stored options as the settings form shows them (emotion list → five fields)."""
    values = {key: value for key, value in options.items() if key != CONF_EMOTION}
    values.update(zip(EMOTION_FIELDS, options[CONF_EMOTION], strict=True))
    for optional in (CONF_SEED, CONF_FALLBACK_ENGINE):
        if values.get(optional) is None:
            values.pop(optional, None)
    return values


def stored_options(voice_id: str, form: dict[str, Any]) -> dict[str, Any]:
    """The settings form's answer as entry.options (ints where the service wants ints).

    Fields a service does not offer are stored at their defaults.
    """
    form = {**form_values(with_defaults({})), **form}
    seed = form.get(CONF_SEED)
    return {
        CONF_VOICE: voice_id,
        CONF_STYLE: form[CONF_STYLE],
        CONF_PRESET: form[CONF_PRESET],
        CONF_LANGUAGE: form[CONF_LANGUAGE],
        CONF_SPEED: float(form[CONF_SPEED]),
        CONF_FLASH: bool(form[CONF_FLASH]),
        CONF_SEED: int(seed) if seed is not None else None,
        CONF_VIVID: bool(form[CONF_VIVID]),
        CONF_EMOTION: [int(form[name]) for name in EMOTION_FIELDS],
        CONF_MAX_CHARS_PER_CALL: int(form[CONF_MAX_CHARS_PER_CALL]),
        CONF_DAILY_CHAR_CAP: int(form[CONF_DAILY_CHAR_CAP]),
        CONF_FALLBACK_ENGINE: form.get(CONF_FALLBACK_ENGINE) or None,
        CONF_SPEAKABLE: bool(form.get(CONF_SPEAKABLE, True)),
    }


class VocuOptionsFlow(OptionsFlowWithReload):
    """Reloads the entry on save so the TTS engine republishes its defaults (the cache key)."""

    def __init__(self) -> None:
        self._voices: dict[str, Voice] = {}
        self._voice: Voice | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        if user_input is not None:
            # The selector offers (and Home Assistant accepts) only the ids listed below.
            self._voice = self._voices[user_input[CONF_VOICE]]
            return await self.async_step_settings()
        # Fresh from the API, so a voice cloned a minute ago is offered.
        client = self.config_entry.runtime_data.client
        try:
            voices = await client.list_voices(include_builtin=True)
        except VoiceServiceError:
            return self.async_abort(reason="cannot_connect")
        self._voices = {voice.id: voice for voice in usable_voices(voices)}
        if not self._voices:
            return self.async_abort(reason="no_usable_voices")
        current = self.config_entry.options.get(CONF_VOICE)
        schema = vol.Schema({vol.Required(CONF_VOICE): voice_selector(self._voices.values())})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, {CONF_VOICE: current} if current in self._voices else {}
            ),
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        assert self._voice is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            engine = user_input.get(CONF_FALLBACK_ENGINE)
            if not engine or not is_own_engine(self.hass, engine):
                return self.async_create_entry(data=stored_options(self._voice.id, user_input))
            # Another entry of this integration fails the same way (same service, or the
            # same outage): it would not rescue anything.
            errors[CONF_FALLBACK_ENGINE] = "fallback_is_vocu"
        options = with_defaults(self.config_entry.options)
        options[CONF_STYLE] = style_or_first(self._voice, options[CONF_STYLE])
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                settings_schema(self._voice, audio_options(self.config_entry.data)),
                user_input or form_values(options),
            ),
            errors=errors,
            description_placeholders={"voice": self._voice.name},
        )
