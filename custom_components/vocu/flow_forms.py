"""Form fields of the config flow: the service choice, key, host and base URL per service."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

import probatio as vol
from homeassistant.const import CONF_API_KEY
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .client import HOSTS
from .client.providers import MINIMAX_OFFICIAL, MINIMAX_OFFICIAL_HOSTS, PROVIDERS, ProviderInfo
from .const import (
    CONF_ACCOUNT,
    CONF_GROUP_ID,
    CONF_HOST,
    CONF_PROVIDER,
    DEFAULT_HOST,
    DEFAULT_PROVIDER,
    HOST_CHOICES,
    HOST_CUSTOM,
    HOST_DEFAULT,
    MINIMAX_HOST_CHOICES,
)

# Where each service hands out its key (shown in the key form's description).
API_KEY_URLS: Final = {
    "vocu": "https://app.vocu.ai/apiKey",
    "noiz": "https://noiz.ai",
    "minimax": "https://useapi.net/docs/start-here/setup-useapi",
    "minimax_official": "https://platform.minimax.io/user-center/basic-information/interface-key",
}

KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
ACCOUNT_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.EMAIL))
GROUP_ID_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT))
# Host names are not translated (and a "." is not allowed in a translation key); the custom
# choice is explained in the field's translated description.
VOCU_HOST_LABELS: Final = {
    "vocu.ai": "vocu.ai",
    "vocu.studio": "vocu.studio",
    "wusound.cn": "wusound.cn (悟声)",
    HOST_CUSTOM: "Custom URL",
}
MINIMAX_HOST_LABELS: Final = {
    "global": "api.minimax.io",
    "mainland": "api.minimaxi.com (中国大陆)",
    HOST_CUSTOM: "Custom URL",
}
PROVIDER_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[
            SelectOptionDict(value=name, label=info.title) for name, info in PROVIDERS.items()
        ],
        mode=SelectSelectorMode.LIST,
    )
)


class InvalidBaseUrl(ValueError):
    """The custom base URL is not an absolute http(s) URL."""


def normalize_base_url(value: str) -> str:
    """`https://host[:port][/path]` without a trailing slash; anything else is refused."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidBaseUrl(value)
    return url


def provider_schema() -> vol.Schema:
    return vol.Schema({vol.Required(CONF_PROVIDER, default=DEFAULT_PROVIDER): PROVIDER_SELECTOR})


def host_choices(info: ProviderInfo) -> tuple[str, ...]:
    if info.name == DEFAULT_PROVIDER:
        return HOST_CHOICES
    if info is MINIMAX_OFFICIAL:
        return MINIMAX_HOST_CHOICES
    return (HOST_DEFAULT, HOST_CUSTOM)


def default_host(info: ProviderInfo) -> str:
    if info.name == DEFAULT_PROVIDER:
        return DEFAULT_HOST
    return MINIMAX_HOST_CHOICES[0] if info is MINIMAX_OFFICIAL else HOST_DEFAULT


def host_selector(info: ProviderInfo) -> SelectSelector:
    if info.name == DEFAULT_PROVIDER:
        labels = VOCU_HOST_LABELS
    elif info is MINIMAX_OFFICIAL:
        labels = MINIMAX_HOST_LABELS
    else:
        labels = {HOST_DEFAULT: urlsplit(info.default_base_url).netloc, HOST_CUSTOM: "Custom URL"}
    return SelectSelector(
        SelectSelectorConfig(
            options=[SelectOptionDict(value=h, label=labels[h]) for h in host_choices(info)],
            mode=SelectSelectorMode.LIST,
        )
    )


def base_url_of(info: ProviderInfo, host: str) -> str | None:
    """The API base URL a host choice stands for; None for the custom host (asked next)."""
    if host == HOST_CUSTOM:
        return None
    if info.name == DEFAULT_PROVIDER:
        return HOSTS[host]
    if info is MINIMAX_OFFICIAL:
        return MINIMAX_OFFICIAL_HOSTS.get(host, info.default_base_url)
    return info.default_base_url


def credentials_schema(info: ProviderInfo, *, with_default_host: bool = True) -> vol.Schema:
    """Key and host (+ the useapi.net MiniMax account, + MiniMax's optional GroupId)."""
    host_key = (
        vol.Required(CONF_HOST, default=default_host(info))
        if with_default_host
        else vol.Required(CONF_HOST)
    )
    fields: dict[Any, Any] = {
        vol.Required(CONF_API_KEY): KEY_SELECTOR,
        host_key: host_selector(info),
    }
    if info.name == "minimax":
        fields[vol.Optional(CONF_ACCOUNT)] = ACCOUNT_SELECTOR
    if info is MINIMAX_OFFICIAL:
        fields[vol.Optional(CONF_GROUP_ID)] = GROUP_ID_SELECTOR
    return vol.Schema(fields)
