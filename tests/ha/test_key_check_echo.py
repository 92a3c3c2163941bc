"""A service or proxy that echoes the key into its error: the key check logs none of it.

Before the transport redacted every field, the key check logged the echoed request id and code
at WARNING (hardening issue, item 1). The suite-wide canary check watches the same records.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from vocu_emulator import Fault, seed

from custom_components.vocu.const import (
    CONF_BASE_URL,
    CONF_HOST,
    CONF_PROVIDER,
    DOMAIN,
    HOST_CUSTOM,
)


async def test_an_echoed_key_is_not_logged_by_the_key_check(
    hass: HomeAssistant, vocu_emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.vocu")
    vocu_emulator.inject(Fault(path="/api/account/info", status=418, echo_key=True, times=None))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "vocu"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: seed.PAID_TOKEN, CONF_HOST: HOST_CUSTOM}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_BASE_URL: vocu_emulator.base_url}
    )
    assert result["errors"] == {"base": "unknown"}
    assert "answered the key check unexpectedly" in caplog.text  # the warning was logged...
    assert seed.PAID_TOKEN[-8:] not in caplog.text  # ...without any piece of the key
    assert "**REDACTED**" in caplog.text
