"""Config flow: key and host → (paid-only notice) → voice → style; plus reauth and reconfigure."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .client import HOSTS, VocuClient
from .client.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ServerError,
    ServiceConnectionError,
    VoiceServiceError,
)
from .client.models import Account, Voice
from .const import (
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_HOST,
    DEFAULT_HOST,
    DOMAIN,
    HOST_CHOICES,
    HOST_CUSTOM,
)
from .options import default_options
from .options_flow import VocuOptionsFlow
from .selectors import style_selector, usable_voices, voice_selector

_LOGGER = logging.getLogger(__name__)

API_KEY_URL = "https://app.vocu.ai/apiKey"

KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# Host names are not translated (and a "." is not allowed in a translation key); the custom
# choice is explained in the field's translated description.
HOST_LABELS = {
    "vocu.ai": "vocu.ai",
    "vocu.studio": "vocu.studio",
    "wusound.cn": "wusound.cn (悟声)",
    HOST_CUSTOM: "Custom URL",
}
HOST_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[SelectOptionDict(value=host, label=HOST_LABELS[host]) for host in HOST_CHOICES],
        mode=SelectSelectorMode.LIST,
    )
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class InvalidBaseUrl(ValueError):
    """The custom base URL is not an absolute http(s) URL."""


def normalize_base_url(value: str) -> str:
    """`https://host[:port][/path]` without a trailing slash; anything else is refused."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidBaseUrl(value)
    return url


class VocuConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Vocu account: the key is checked against the account before anything is stored."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._account: Account | None = None
        self._voices: dict[str, Voice] = {}
        self._voice: Voice | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: Any) -> OptionsFlow:
        return VocuOptionsFlow()

    # --- shared helpers -------------------------------------------------------------------------

    def _client(self) -> VocuClient:
        return VocuClient(
            self._data[CONF_API_KEY],
            session=async_get_clientsession(self.hass),
            base_url=self._data[CONF_BASE_URL],
        )

    async def _async_validate(self) -> str | None:
        """Fetch the account with the collected key and URL; the error key or None."""
        try:
            self._account = await self._client().get_account()
        except (AuthenticationError, PermissionDeniedError):
            return "invalid_auth"
        except (ServiceConnectionError, ServerError):
            return "cannot_connect"
        except VoiceServiceError:
            _LOGGER.exception("Vocu answered the account check unexpectedly")
            return "unknown"
        except Exception:
            _LOGGER.exception("Unexpected error while checking the Vocu key")
            return "unknown"
        return None

    def _collect(self, user_input: dict[str, Any]) -> None:
        self._data[CONF_API_KEY] = user_input[CONF_API_KEY].strip()
        self._data[CONF_HOST] = user_input.get(CONF_HOST, DEFAULT_HOST)
        if self._data[CONF_HOST] != HOST_CUSTOM:
            self._data[CONF_BASE_URL] = HOSTS[self._data[CONF_HOST]]

    # --- user: key and host -----------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            self._collect(user_input)
            if self._data[CONF_HOST] == HOST_CUSTOM:
                return await self.async_step_custom_host()
            if not (error := await self._async_validate()):
                return await self._async_account_validated()
            errors["base"] = error
        return self._async_show_user_form(user_input or {}, errors)

    def _async_show_user_form(
        self, suggested: Mapping[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        schema = vol.Schema(
            {
                vol.Required(CONF_API_KEY): KEY_SELECTOR,
                vol.Required(CONF_HOST, default=DEFAULT_HOST): HOST_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"api_key_url": API_KEY_URL},
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
                    return self._async_show_user_form(
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
        assert self._account is not None
        await self.async_set_unique_id(self._account.user_id)
        self._abort_if_unique_id_configured()
        if self._account.is_paid is False:
            return await self.async_step_paid_only()
        self._data[CONF_ASYNC_MODE] = False
        return await self.async_step_voice()

    async def async_step_paid_only(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Free accounts cannot stream; offer slower asynchronous generation instead."""
        if user_input is not None:
            self._data[CONF_ASYNC_MODE] = True
            return await self.async_step_voice()
        assert self._account is not None
        return self.async_show_form(
            step_id="paid_only",
            data_schema=vol.Schema({}),
            description_placeholders={"account": self._account.name},
        )

    # --- voice and style --------------------------------------------------------------------------

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None and (voice := self._voices.get(user_input["voice"])):
            self._voice = voice
            return await self.async_step_style()
        if not self._voices:
            try:
                voices = await self._client().list_voices(include_market=True)
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
        assert self._voice is not None and self._account is not None
        styles = {style.id for style in self._voice.styles}
        if user_input is not None or len(styles) <= 1:
            style_id = (user_input or {}).get("style") or next(iter(styles), "default")
            return self.async_create_entry(
                title=self._account.name or self._account.user_id,
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
        errors: dict[str, str] = {}
        if user_input is not None:
            self._data = {
                CONF_API_KEY: user_input[CONF_API_KEY].strip(),
                CONF_BASE_URL: entry.data[CONF_BASE_URL],
            }
            if not (error := await self._async_validate()):
                assert self._account is not None
                await self.async_set_unique_id(self._account.user_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: self._data[CONF_API_KEY]}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): KEY_SELECTOR}),
            errors=errors,
            description_placeholders={"account": entry.title, "api_key_url": API_KEY_URL},
        )

    # --- reconfigure ------------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            self._data = {CONF_BASE_URL: entry.data[CONF_BASE_URL]}
            self._collect(user_input)
            if self._data[CONF_HOST] == HOST_CUSTOM:
                return await self.async_step_custom_host()
            if not (error := await self._async_validate()):
                return self._async_finish_reconfigure()
            errors["base"] = error
        schema = vol.Schema(
            {
                vol.Required(CONF_API_KEY): KEY_SELECTOR,
                vol.Required(CONF_HOST): HOST_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or {CONF_HOST: entry.data.get(CONF_HOST, DEFAULT_HOST)}
            ),
            errors=errors,
        )

    @callback
    def _async_finish_reconfigure(self) -> ConfigFlowResult:
        assert self._account is not None
        entry = self._get_reconfigure_entry()
        if entry.unique_id != self._account.user_id:
            return self.async_abort(reason="wrong_account")
        data_updates = {**self._data}
        if self._account.is_paid is not None:
            data_updates[CONF_ASYNC_MODE] = not self._account.is_paid
        return self.async_update_reload_and_abort(entry, data_updates=data_updates)
