"""Repair issues: credits used up, the configured voice gone (with a flow to pick another), and
a voice profile's voice gone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import probatio as vol
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client.errors import VoiceServiceError
from .client.models import Voice
from .const import CONF_STYLE, CONF_VOICE, DEFAULT_STYLE, DOMAIN
from .selectors import style_selector, usable_voices, voice_selector
from .service import service_info

if TYPE_CHECKING:
    from .data import VocuConfigEntry

ISSUE_INSUFFICIENT_CREDITS = "insufficient_credits"
ISSUE_DEFAULT_VOICE_MISSING = "default_voice_missing"
ISSUE_PROFILE_VOICE_MISSING = "profile_voice_missing"


def _issue_id(kind: str, entry: ConfigEntry) -> str:
    return f"{kind}_{entry.entry_id}"


@callback
def async_create_credits_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Tell the user the account ran out of credits (raised by the synthesis path)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(ISSUE_INSUFFICIENT_CREDITS, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_INSUFFICIENT_CREDITS,
        translation_placeholders={
            "account": entry.title,
            "service": service_info(entry.data).title,
        },
    )


@callback
def async_clear_credits_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    ir.async_delete_issue(hass, DOMAIN, _issue_id(ISSUE_INSUFFICIENT_CREDITS, entry))


@callback
def async_create_voice_missing_issue(
    hass: HomeAssistant, entry: ConfigEntry, voice_id: str
) -> None:
    """The configured voice was deleted upstream or can no longer speak; offer to pick another."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(ISSUE_DEFAULT_VOICE_MISSING, entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_DEFAULT_VOICE_MISSING,
        translation_placeholders={"account": entry.title, "voice": voice_id},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_clear_voice_missing_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    ir.async_delete_issue(hass, DOMAIN, _issue_id(ISSUE_DEFAULT_VOICE_MISSING, entry))


def _profile_issue_prefix(entry: ConfigEntry) -> str:
    return f"{_issue_id(ISSUE_PROFILE_VOICE_MISSING, entry)}_"


@callback
def async_sync_profile_voice_issues(
    hass: HomeAssistant, entry: ConfigEntry, missing: dict[str, tuple[str, str]]
) -> None:
    """One issue per profile whose voice is gone (``missing``: subentry id → (title, voice id));
    every other profile issue of the entry goes, including those of removed profiles.

    Not fixable here: the profile's own Reconfigure picks the new voice (and its style), and the
    next refresh clears the issue.
    """
    prefix = _profile_issue_prefix(entry)
    for subentry_id, (title, voice_id) in missing.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"{prefix}{subentry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_PROFILE_VOICE_MISSING,
            translation_placeholders={"account": entry.title, "profile": title, "voice": voice_id},
        )
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if (
            domain == DOMAIN
            and issue_id.startswith(prefix)
            and issue_id.removeprefix(prefix) not in missing
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


class DefaultVoiceRepairFlow(RepairsFlow):
    """Pick another usable voice (then its style) and store it as the entry's default."""

    def __init__(self, entry: VocuConfigEntry) -> None:
        self._entry = entry
        self._voices: dict[str, Voice] = {}
        self._voice: Voice | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        if self._entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        try:
            voices = await self._entry.runtime_data.client.list_voices(include_builtin=True)
        except VoiceServiceError:
            return self.async_abort(reason="cannot_connect")
        self._voices = {voice.id: voice for voice in usable_voices(voices)}
        if not self._voices:
            return self.async_abort(reason="no_usable_voices")
        return await self.async_step_voice()

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        if user_input is not None and (voice := self._voices.get(user_input[CONF_VOICE])):
            self._voice = voice
            return await self.async_step_style()
        return self.async_show_form(
            step_id="voice",
            data_schema=vol.Schema(
                {vol.Required(CONF_VOICE): voice_selector(self._voices.values())}
            ),
            description_placeholders={
                "account": self._entry.title,
                "voice": str(self._entry.options.get(CONF_VOICE, "")),
            },
        )

    async def async_step_style(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        assert self._voice is not None
        if user_input is not None or not self._voice.styles:
            style = (user_input or {}).get(CONF_STYLE, DEFAULT_STYLE)
            options = {**self._entry.options, CONF_VOICE: self._voice.id, CONF_STYLE: style}
            self.hass.config_entries.async_update_entry(self._entry, options=options)
            # The TTS entity publishes its defaults once (cache key), so it must be rebuilt.
            self.hass.config_entries.async_schedule_reload(self._entry.entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="style",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_STYLE, default=self._voice.styles[0].id): style_selector(
                        self._voice
                    )
                }
            ),
            description_placeholders={"voice": self._voice.name},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Home Assistant asks for the flow that fixes a fixable issue of ours."""
    entry_id = str((data or {}).get("entry_id", ""))
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or not issue_id.startswith(ISSUE_DEFAULT_VOICE_MISSING):
        raise ValueError(f"No repair flow for issue {issue_id}")
    return DefaultVoiceRepairFlow(entry)
