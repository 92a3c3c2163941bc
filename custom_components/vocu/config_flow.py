"""Config flow: service → key and host → (paid-only notice) → voice → style; reauth, reconfigure.

Each entry is one account of one voice service (``entry.data["provider"]``). The key is checked
before anything is stored: by the account endpoint where the service has one, else by listing
the key's voices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import callback

from .account_check import CheckFailed, Identity, async_identify
from .client.errors import VoiceServiceError
from .client.models import Voice
from .client.providers import Capability, ProviderInfo, provider_info
from .const import (
    CONF_ACCOUNT,
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_GROUP_ID,
    CONF_HOST,
    CONF_PROVIDER,
    DEFAULT_PROVIDER,
    DOMAIN,
    HOST_CUSTOM,
    SUBENTRY_PROFILE,
)
from .flow_forms import (
    API_KEY_URLS,
    KEY_SELECTOR,
    URL_SELECTOR,
    InvalidBaseUrl,
    base_url_of,
    credentials_schema,
    default_host,
    normalize_base_url,
    provider_schema,
)
from .options import default_options
from .options_flow import VocuOptionsFlow
from .selectors import style_selector, usable_voices, voice_selector
from .service import build_provider
from .subentry_flow import VoiceProfileFlow


class VocuConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an account of a voice service: the key is checked before anything is stored."""

    VERSION = 1
    MINOR_VERSION = 3

    def __init__(self) -> None:
        self._data: dict[str, Any] = {CONF_PROVIDER: DEFAULT_PROVIDER}
        self._identity: Identity | None = None
        self._voices: dict[str, Voice] = {}
        self._voice: Voice | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: Any) -> OptionsFlow:
        return VocuOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Voice profiles: more TTS entities of the same account, each with its own voice."""
        return {SUBENTRY_PROFILE: VoiceProfileFlow}

    # --- shared helpers -------------------------------------------------------------------------

    @property
    def _info(self) -> ProviderInfo:
        return provider_info(self._data[CONF_PROVIDER])

    async def _async_validate(self) -> str | None:
        """Check the collected key and URL; the error key or None."""
        try:
            self._identity = await async_identify(
                build_provider(self.hass, self._data),
                self._data[CONF_API_KEY],
                self._data.get(CONF_ACCOUNT),
            )
        except CheckFailed as failed:
            return failed.error
        return None

    def _collect(self, user_input: dict[str, Any]) -> None:
        self._data[CONF_API_KEY] = user_input[CONF_API_KEY].strip()
        self._data[CONF_HOST] = user_input.get(CONF_HOST, default_host(self._info))
        if base_url := base_url_of(self._info, self._data[CONF_HOST]):
            self._data[CONF_BASE_URL] = base_url
        if self._info.name != DEFAULT_PROVIDER or CONF_ACCOUNT in user_input:
            account = str(user_input.get(CONF_ACCOUNT) or "").strip()
            if account:
                self._data[CONF_ACCOUNT] = account
            else:
                self._data.pop(CONF_ACCOUNT, None)
        if self._info.name != DEFAULT_PROVIDER or CONF_GROUP_ID in user_input:
            if group_id := str(user_input.get(CONF_GROUP_ID) or "").strip():
                self._data[CONF_GROUP_ID] = group_id
            else:
                self._data.pop(CONF_GROUP_ID, None)

    def _placeholders(self) -> dict[str, str]:
        return {"api_key_url": API_KEY_URLS[self._info.name], "service": self._info.title}

    # --- user: which service ----------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            self._data = {CONF_PROVIDER: provider_info(user_input[CONF_PROVIDER]).name}
            return await self.async_step_credentials()
        return self.async_show_form(
            step_id="user",
            data_schema=provider_schema(),
            description_placeholders={"minimax_note": provider_info("minimax").note},
        )

    # --- credentials: key and host ----------------------------------------------------------------

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            self._collect(user_input)
            if self._data[CONF_HOST] == HOST_CUSTOM:
                return await self.async_step_custom_host()
            if not (error := await self._async_validate()):
                return await self._async_account_validated()
            errors["base"] = error
        return self._async_show_credentials_form(user_input or {}, errors)

    def _async_show_credentials_form(
        self, suggested: Mapping[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="credentials",
            data_schema=self.add_suggested_values_to_schema(
                credentials_schema(self._info), suggested
            ),
            errors=errors,
            description_placeholders=self._placeholders(),
        )

    async def async_step_custom_host(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A self-hosted or test server (such as the bundled emulator): ask for its base URL."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._data[CONF_BASE_URL] = normalize_base_url(user_input[CONF_BASE_URL])
            except InvalidBaseUrl:
                errors[CONF_BASE_URL] = "invalid_url"
            else:
                if not (error := await self._async_validate()):
                    if self.source == SOURCE_RECONFIGURE:
                        return self._async_finish_reconfigure()
                    return await self._async_account_validated()
                if error == "invalid_auth" and self.source != SOURCE_RECONFIGURE:
                    # The key is what is wrong, and this form has no key field: go back to the
                    # one that has (custom host kept; the URL is suggested again after it).
                    return self._async_show_credentials_form(
                        {CONF_HOST: HOST_CUSTOM}, {"base": "invalid_auth"}
                    )
                errors["base"] = error
        schema = vol.Schema({vol.Required(CONF_BASE_URL): URL_SELECTOR})
        suggested = user_input or {CONF_BASE_URL: self._data.get(CONF_BASE_URL, "")}
        return self.async_show_form(
            step_id="custom_host",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    async def _async_account_validated(self) -> ConfigFlowResult:
        assert self._identity is not None
        await self.async_set_unique_id(self._identity.unique_id)
        self._abort_if_unique_id_configured()
        if self._identity.is_paid is False:
            return await self.async_step_paid_only()
        self._data[CONF_ASYNC_MODE] = False
        return await self.async_step_voice()

    async def async_step_paid_only(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Free Vocu accounts cannot stream; offer slower asynchronous generation instead."""
        if user_input is not None:
            self._data[CONF_ASYNC_MODE] = True
            return await self.async_step_voice()
        assert self._identity is not None
        return self.async_show_form(
            step_id="paid_only",
            data_schema=vol.Schema({}),
            description_placeholders={"account": self._identity.title},
        )

    # --- voice and style --------------------------------------------------------------------------

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            # The selector offers (and Home Assistant accepts) only the ids listed below.
            self._voice = self._voices[user_input["voice"]]
            return await self.async_step_style()
        try:
            voices = await build_provider(self.hass, self._data).list_voices()
        except VoiceServiceError:
            return self.async_abort(reason="cannot_connect")
        self._voices = {voice.id: voice for voice in usable_voices(voices)}
        if not self._voices:
            return self.async_abort(reason="no_usable_voices")
        return self.async_show_form(
            step_id="voice",
            data_schema=vol.Schema({vol.Required("voice"): voice_selector(self._voices.values())}),
        )

    async def async_step_style(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        assert self._voice is not None and self._identity is not None
        styles = {style.id for style in self._voice.styles}
        if user_input is not None or len(styles) <= 1 or not self._info.supports(Capability.STYLES):
            style_id = (user_input or {}).get("style") or next(iter(styles), "default")
            return self.async_create_entry(
                title=self._identity.title,
                data=self._data,
                options=default_options(self._voice.id, style_id),
            )
        schema = vol.Schema(
            {vol.Required("style", default=self._voice.styles[0].id): style_selector(self._voice)}
        )
        return self.async_show_form(
            step_id="style",
            data_schema=schema,
            description_placeholders={"voice": self._voice.name},
        )

    # --- reauth -----------------------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        self._data = {**entry.data, CONF_PROVIDER: entry.data.get(CONF_PROVIDER, DEFAULT_PROVIDER)}
        errors: dict[str, str] = {}
        if user_input is not None:
            self._data[CONF_API_KEY] = user_input[CONF_API_KEY].strip()
            if not (error := await self._async_validate()):
                assert self._identity is not None
                return await self._async_update_key(entry, reason="wrong_account")
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): KEY_SELECTOR}),
            errors=errors,
            description_placeholders={"account": entry.title, **self._placeholders()},
        )

    async def _async_update_key(self, entry: Any, *, reason: str) -> ConfigFlowResult:
        """Store the checked key: the same account for account services; a new hash otherwise."""
        assert self._identity is not None
        data_updates = {CONF_API_KEY: self._data[CONF_API_KEY]}
        if self._identity.from_key:
            # A key-hash id cannot tell accounts apart; the new key simply becomes the entry's.
            return self.async_update_reload_and_abort(
                entry, unique_id=self._identity.unique_id, data_updates=data_updates
            )
        await self.async_set_unique_id(self._identity.unique_id)
        self._abort_if_unique_id_mismatch(reason=reason)
        return self.async_update_reload_and_abort(entry, data_updates=data_updates)

    # --- reconfigure ------------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        self._data = {
            CONF_PROVIDER: entry.data.get(CONF_PROVIDER, DEFAULT_PROVIDER),
            CONF_BASE_URL: entry.data[CONF_BASE_URL],
        }
        errors: dict[str, str] = {}
        if user_input is not None:
            self._collect(user_input)
            if self._data[CONF_HOST] == HOST_CUSTOM:
                return await self.async_step_custom_host()
            if not (error := await self._async_validate()):
                return self._async_finish_reconfigure()
            errors["base"] = error
        suggested = user_input or {
            CONF_HOST: entry.data.get(CONF_HOST, default_host(self._info)),
            **({CONF_ACCOUNT: entry.data[CONF_ACCOUNT]} if entry.data.get(CONF_ACCOUNT) else {}),
            **({CONF_GROUP_ID: entry.data[CONF_GROUP_ID]} if entry.data.get(CONF_GROUP_ID) else {}),
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                credentials_schema(self._info, with_default_host=False), suggested
            ),
            errors=errors,
            description_placeholders=self._placeholders(),
        )

    @callback
    def _async_finish_reconfigure(self) -> ConfigFlowResult:
        assert self._identity is not None
        entry = self._get_reconfigure_entry()
        # Replaced, not merged: a field the user cleared (the MiniMax account) must go.
        data = {**entry.data, **self._data}
        if CONF_ACCOUNT not in self._data:
            data.pop(CONF_ACCOUNT, None)
        if self._identity.is_paid is not None:
            data[CONF_ASYNC_MODE] = not self._identity.is_paid
        if self._identity.from_key:
            return self.async_update_reload_and_abort(
                entry, unique_id=self._identity.unique_id, data=data
            )
        if entry.unique_id != self._identity.unique_id:
            return self.async_abort(reason="wrong_account")
        return self.async_update_reload_and_abort(entry, data=data)
