"""Every branch of the config flow, reauth and reconfigure, against the emulator over loopback.

The first step picks the service; the key step follows. The Vocu-specific branches (hosts, free
accounts, styles) run for Vocu; the shared ones are parametrised over every service.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from service_cases import ALL_SERVICES, SERVICES, ServiceCase
from vocu_emulator import Fault, seed

from custom_components.vocu.client.providers import provider_info
from custom_components.vocu.const import (
    CONF_ACCOUNT,
    CONF_ASYNC_MODE,
    CONF_BASE_URL,
    CONF_GROUP_ID,
    CONF_HOST,
    CONF_PROVIDER,
    CONF_STYLE,
    CONF_VOICE,
    DATA_HOST_MAP,
    DOMAIN,
    HOST_CUSTOM,
)
from custom_components.vocu.flow_forms import base_url_of
from custom_components.vocu.options import default_options
from custom_components.vocu.service import key_unique_id

# A loopback port nothing listens on: connection refused, the way an unreachable host fails.
CLOSED_URL = "http://127.0.0.1:9"


async def start(hass: HomeAssistant, provider: str = "vocu") -> FlowResult:
    """The service step answered with ``provider``: returns the key form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert select_values(result, CONF_PROVIDER) == ["vocu", "noiz", "minimax", "minimax_official"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: provider}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    return result


async def to_custom_host(
    hass: HomeAssistant,
    token: str,
    base_url: str,
    provider: str = "vocu",
    **extra: str,
) -> FlowResult:
    """Service, then key with the custom host, then the base URL; returns what follows."""
    result = await start(hass, provider)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: token, CONF_HOST: HOST_CUSTOM, **extra}
    )
    assert result["step_id"] == "custom_host"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: base_url}
    )


def select_values(result: FlowResult, field: str) -> list[str]:
    schema = result["data_schema"].schema
    selector = next(value for key, value in schema.items() if key == field)
    return [option["value"] for option in selector.config["options"]]


def select_labels(result: FlowResult, field: str) -> list[str]:
    schema = result["data_schema"].schema
    selector = next(value for key, value in schema.items() if key == field)
    return [option["label"] for option in selector.config["options"]]


async def test_full_flow_with_styled_voice(hass: HomeAssistant, vocu_emulator: Any) -> None:
    result = await to_custom_host(hass, seed.PAID_TOKEN, vocu_emulator.base_url + "/")
    assert result["step_id"] == "voice"
    # Usable voices only (own and market), never ones still training or failed.
    offered = set(select_values(result, CONF_VOICE))
    assert {seed.ALICE_ID, seed.BOB_ID, seed.MARKET_ID} <= offered
    assert not offered & {seed.FAILED_ID, seed.LORA_PENDING_ID, seed.CREATING_ID}
    assert "Alice — Warm narrator" in select_labels(result, CONF_VOICE)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.ALICE_ID}
    )
    assert result["step_id"] == "style"
    assert select_values(result, CONF_STYLE) == ["default", seed.CHEERFUL_STYLE_ID]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STYLE: seed.CHEERFUL_STYLE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == seed.PAID_NAME
    assert result["result"].unique_id == seed.PAID_USER_ID
    assert result["data"] == {
        CONF_PROVIDER: "vocu",
        CONF_API_KEY: seed.PAID_TOKEN,
        CONF_HOST: HOST_CUSTOM,
        CONF_BASE_URL: vocu_emulator.base_url,  # trailing slash dropped
        CONF_ASYNC_MODE: False,
    }
    assert result["options"] == default_options(seed.ALICE_ID, seed.CHEERFUL_STYLE_ID)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_single_style_voice_skips_style_step(hass: HomeAssistant, vocu_emulator: Any) -> None:
    result = await to_custom_host(hass, seed.PAID_TOKEN, vocu_emulator.base_url)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == default_options(seed.BOB_ID, "default")
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize(
    ("token", "fault", "base_url", "error"),
    [
        ("sk-not-a-key", None, None, "invalid_auth"),
        (seed.PAID_TOKEN, None, CLOSED_URL, "cannot_connect"),
        (
            seed.PAID_TOKEN,
            Fault(path="/api/account/info", status=500, times=None),
            None,
            "cannot_connect",
        ),
        (
            seed.PAID_TOKEN,
            Fault(path="/api/account/info", status=400, code="WHAT", times=None),
            None,
            "unknown",
        ),
    ],
)
async def test_errors_then_recovery(
    hass: HomeAssistant,
    vocu_emulator: Any,
    *,
    token: str,
    fault: Fault | None,
    base_url: str | None,
    error: str,
) -> None:
    """A failed check shows the error on the form it came from; a corrected input goes on."""
    if fault is not None:
        vocu_emulator.inject(fault)
    result = await to_custom_host(hass, token, base_url or vocu_emulator.base_url)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    if error == "invalid_auth":
        # The custom-host form has no key field: the key form comes back to correct the key,
        # and the URL entered before is suggested again on the way.
        assert result["step_id"] == "credentials"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: HOST_CUSTOM}
        )
        assert result["step_id"] == "custom_host"
        suggested = {
            str(key): key.description["suggested_value"]
            for key in result["data_schema"].schema
            if key.description
        }
        assert suggested == {CONF_BASE_URL: vocu_emulator.base_url}
    else:
        assert result["step_id"] == "custom_host"

    vocu_emulator.clear_faults()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: vocu_emulator.base_url}
    )
    assert result["step_id"] == "voice"


async def test_invalid_key_on_a_known_host_keeps_the_key_form(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    """With a built-in host the key is checked on the key step itself (no URL step): a key the
    service refuses shows invalid_auth there, and the right key then goes on to the voice."""
    # The built-in host answered by the emulator (tests reach nothing but loopback).
    hass.data[DATA_HOST_MAP] = {"v1.vocu.ai": vocu_emulator.base_url}
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-not-a-key", CONF_HOST: "vocu.ai"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": "invalid_auth"}
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: "vocu.ai"}
    )
    assert result["step_id"] == "voice"


async def test_invalid_base_url(hass: HomeAssistant) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: HOST_CUSTOM}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: "ftp://127.0.0.1/"}
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}


async def test_free_account_continues_in_async_mode(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    result = await to_custom_host(hass, seed.FREE_TOKEN, vocu_emulator.base_url)
    assert result["step_id"] == "paid_only"
    assert result["description_placeholders"] == {"account": "Grace Hopper"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "voice"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ASYNC_MODE] is True
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_same_account_twice_aborts(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await to_custom_host(hass, seed.PAID_TOKEN, vocu_emulator.base_url)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_no_usable_voice_aborts(hass: HomeAssistant, vocu_emulator: Any) -> None:
    for voice_id in (seed.ALICE_ID, seed.BOB_ID, seed.MARKET_ID, seed.CREATING_ID):
        vocu_emulator.state.set_voice_status(voice_id, "failed")
    result = await to_custom_host(hass, seed.PAID_TOKEN, vocu_emulator.base_url)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_usable_voices"


# --- every service ----------------------------------------------------------------------------


@pytest.mark.parametrize("provider_name", ALL_SERVICES)
async def test_each_service_happy_path(
    hass: HomeAssistant, vocu_emulator: Any, service_case: ServiceCase
) -> None:
    """Service → key (custom host: the emulator) → voice → entry, with the service stored."""
    base_url = vocu_emulator.url(service_case.prefix)
    result = await to_custom_host(hass, service_case.key, base_url, service_case.name)
    assert result["step_id"] == "voice"
    offered = select_values(result, CONF_VOICE)
    assert service_case.voice_id in offered and service_case.builtin_voice_id in offered

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: service_case.voice_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROVIDER] == service_case.name
    assert result["data"][CONF_BASE_URL] == base_url
    assert result["options"] == default_options(service_case.voice_id, "default")
    expected_id = (
        seed.PAID_USER_ID
        if service_case.name == "vocu"
        else key_unique_id(service_case.name, service_case.key)
    )
    assert result["result"].unique_id == expected_id
    assert service_case.key not in result["result"].unique_id
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize("provider_name", ALL_SERVICES)
async def test_each_service_invalid_key(
    hass: HomeAssistant, vocu_emulator: Any, service_case: ServiceCase
) -> None:
    result = await to_custom_host(
        hass, "not-a-key-of-any-service", vocu_emulator.url(service_case.prefix), service_case.name
    )
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": "invalid_auth"}
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize("provider_name", ALL_SERVICES)
async def test_each_service_cannot_connect(
    hass: HomeAssistant, vocu_emulator: Any, service_case: ServiceCase
) -> None:
    result = await to_custom_host(hass, service_case.key, CLOSED_URL, service_case.name)
    assert result["step_id"] == "custom_host"
    assert result["errors"] == {"base": "cannot_connect"}

    vocu_emulator.inject(Fault(path=f"{service_case.prefix}/*", status=503, times=None))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: vocu_emulator.url(service_case.prefix)}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize("provider_name", ALL_SERVICES)
async def test_each_service_same_account_twice_aborts(
    hass: HomeAssistant,
    vocu_emulator: Any,
    service_case: ServiceCase,
    mock_config_entry: MockConfigEntry,
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await to_custom_host(
        hass, service_case.key, vocu_emulator.url(service_case.prefix), service_case.name
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_minimax_account_is_stored_and_identifies_the_entry(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    """A useapi.net token with two MiniMax accounts: each account is its own entry."""
    base_url = vocu_emulator.url(SERVICES["minimax"].prefix)
    account = seed.MINIMAX_ACCOUNTS_MULTI[0]
    result = await to_custom_host(
        hass, seed.USEAPI_MULTI_TOKEN, base_url, "minimax", account=account
    )
    assert result["step_id"] == "voice"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.MINIMAX_CLONE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ACCOUNT] == account
    assert result["title"] == f"MiniMax via useapi.net ({account})"
    assert result["result"].unique_id == key_unique_id("minimax", seed.USEAPI_MULTI_TOKEN, account)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_noiz_key_form_offers_its_own_host_or_a_custom_one(hass: HomeAssistant) -> None:
    result = await start(hass, "noiz")
    assert select_values(result, CONF_HOST) == ["default", HOST_CUSTOM]
    assert select_labels(result, CONF_HOST)[0] == "noiz.ai"
    assert CONF_ACCOUNT not in [str(key) for key in result["data_schema"].schema]


async def test_minimax_official_form_offers_both_hosts_and_a_group_id(
    hass: HomeAssistant, vocu_emulator: Any
) -> None:
    result = await start(hass, "minimax_official")
    assert select_values(result, CONF_HOST) == ["global", "mainland", HOST_CUSTOM]
    assert select_labels(result, CONF_HOST)[:2] == ["api.minimax.io", "api.minimaxi.com (中国大陆)"]
    fields = [str(key) for key in result["data_schema"].schema]
    assert CONF_GROUP_ID in fields and CONF_ACCOUNT not in fields
    assert base_url_of(provider_info("minimax_official"), "mainland") == "https://api.minimaxi.com"
    hass.config_entries.flow.async_abort(result["flow_id"])
    # The group id is stored and sent (as the GroupId query parameter) with every request.
    base_url = vocu_emulator.url(SERVICES["minimax_official"].prefix)
    result = await to_custom_host(
        hass, seed.MINIMAX_API_KEY, base_url, "minimax_official",
        group_id=f" {seed.MINIMAX_GROUP_ID} ",
    )  # fmt: skip
    assert result["step_id"] == "voice"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: seed.MINIMAX_OFFICIAL_CLONE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MiniMax"
    assert result["data"][CONF_GROUP_ID] == seed.MINIMAX_GROUP_ID
    await hass.async_block_till_done()
    assert vocu_emulator.requests
    assert {r.query.get("GroupId") for r in vocu_emulator.requests} == {seed.MINIMAX_GROUP_ID}
    await hass.config_entries.async_unload(result["result"].entry_id)


# --- reauth ---------------------------------------------------------------------------------------


async def test_reauth_success(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_API_KEY: "sk-old"}
    )
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_API_KEY] == seed.PAID_TOKEN
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_reauth_with_another_accounts_key(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.FREE_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.data[CONF_API_KEY] == seed.PAID_TOKEN


# --- reconfigure -------------------------------------------------------------------------------


async def reconfigure_to(
    hass: HomeAssistant, entry: MockConfigEntry, token: str, base_url: str
) -> FlowResult:
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: token, CONF_HOST: HOST_CUSTOM}
    )
    assert result["step_id"] == "custom_host"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: base_url}
    )


async def test_reconfigure_success(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    """The server moved: the entry (failing at its old address) follows the new URL and loads."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        data={**mock_config_entry.data, CONF_BASE_URL: CLOSED_URL, CONF_ASYNC_MODE: True},
    )
    result = await reconfigure_to(hass, mock_config_entry, seed.PAID_TOKEN, vocu_emulator.base_url)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_BASE_URL] == vocu_emulator.base_url
    assert mock_config_entry.data[CONF_ASYNC_MODE] is False  # the account is paid now
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_reconfigure_error_then_wrong_account(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await reconfigure_to(hass, mock_config_entry, seed.PAID_TOKEN, CLOSED_URL)
    assert result["errors"] == {"base": "cannot_connect"}

    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.FREE_TOKEN, CONF_HOST: HOST_CUSTOM}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: vocu_emulator.base_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.data[CONF_API_KEY] == seed.PAID_TOKEN


async def test_reconfigure_to_a_built_in_host(
    hass: HomeAssistant, vocu_emulator: Any, mock_config_entry: MockConfigEntry
) -> None:
    """From the custom (emulator) URL to Vocu's own host: checked there, no URL step."""
    hass.data[DATA_HOST_MAP] = {"v1.vocu.ai": vocu_emulator.base_url}
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-wrong", CONF_HOST: "vocu.ai"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: "vocu.ai"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "vocu.ai"
    assert mock_config_entry.data[CONF_BASE_URL] == "https://v1.vocu.ai"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
