"""The gate every synthesis passes through: concurrency, cost limits and failure consequences.

One guard per config entry is shared by the TTS entity and the services, so a looping automation,
an Assist conversation and a service call together never exceed the account's synchronous
concurrency, the per-call text limit or the daily character cap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from time import monotonic
from typing import TYPE_CHECKING, Any, Final

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .client import errors
from .client.providers import Capability
from .const import CONF_DAILY_CHAR_CAP, CONF_MAX_CHARS_PER_CALL, DOMAIN
from .repairs import async_create_credits_issue
from .service import service_info

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
# A 429 after the client's own bounded retries pauses new requests for at most this long, so a
# huge or missing Retry-After can never wedge the entity.
MAX_COOLDOWN_SECONDS: Final = 30.0
DEFAULT_COOLDOWN_SECONDS: Final = 2.0
# Every admitted or refunded segment changes the count: write it at most this often (and at
# unload and shutdown), not once per sentence of every announcement.
USAGE_SAVE_DELAY_SECONDS: Final = 10.0


def usage_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, Any]]:
    """Where an entry's daily character count survives restarts (removed with the entry)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.usage")


class SynthesisGuard:
    """Concurrency slots, per-call and daily character limits and error translation of an entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        concurrency: int,
        on_auth_failed: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._on_auth_failed = on_auth_failed
        self.concurrency = max(1, concurrency)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._not_before = 0.0
        self._store = usage_store(hass, entry)
        self._day = ""
        self._chars_today = 0
        self._credits_today = 0.0  # as the service reported them (see spoken.SpeechLog)
        # The credits repair issue is cleared by the account poll; without an account endpoint
        # nothing could ever clear it, so those services only report the error itself.
        self._credits_issue = service_info(entry.data).supports(Capability.ACCOUNT)
        # Messages name the entry's service ("Noiz AI rejected the API key"), not always Vocu.
        self._placeholders = {"service": service_info(entry.data).title}

    async def async_load(self) -> None:
        """Restore today's character count so a restart or reload does not reset the cap."""
        stored = await self._store.async_load() or {}
        self._day = str(stored.get("day", ""))
        self._chars_today = int(stored.get("chars", 0))
        self._credits_today = float(stored.get("credits", 0.0))
        self._roll_day()

    @property
    def chars_today(self) -> int:
        """Characters admitted for synthesis during the current local day."""
        self._roll_day()
        return self._chars_today

    @property
    def credits_today(self) -> float:
        """Credits the service reported for syntheses during the current local day."""
        self._roll_day()
        return self._credits_today

    def add_credits(self, credits: float) -> None:
        self._roll_day()
        self._credits_today += credits
        self._store.async_delay_save(self._usage, USAGE_SAVE_DELAY_SECONDS)

    def _roll_day(self) -> None:
        today = dt_util.now().date().isoformat()
        if today != self._day:
            self._day = today
            self._chars_today = 0
            self._credits_today = 0.0

    def check_length(self, chars: int) -> None:
        """Refuse a call whose text (so far, when streamed) passes the per-call maximum."""
        limit = int(self._entry.options.get(CONF_MAX_CHARS_PER_CALL) or 0)
        if limit and chars > limit:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="text_too_long",
                translation_placeholders={
                    **self._placeholders,
                    "length": str(chars),
                    "limit": str(limit),
                },
            )

    async def async_admit(self, chars: int) -> None:
        """Count ``chars`` against today's cap (persisted), or refuse if the cap would be passed."""
        cap = int(self._entry.options.get(CONF_DAILY_CHAR_CAP) or 0)
        self._roll_day()
        if cap and self._chars_today + chars > cap:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="daily_cap_reached",
                translation_placeholders={
                    **self._placeholders,
                    "used": str(self._chars_today),
                    "cap": str(cap),
                },
            )
        self._chars_today += chars
        self._store.async_delay_save(self._usage, USAGE_SAVE_DELAY_SECONDS)

    async def async_refund(self, chars: int) -> None:
        """Give back characters of a request that produced no audio (refused or cancelled)."""
        self._roll_day()
        self._chars_today = max(0, self._chars_today - chars)
        self._store.async_delay_save(self._usage, USAGE_SAVE_DELAY_SECONDS)

    async def async_flush(self) -> None:
        """Write a pending count now (at unload, so a reload reads it back)."""
        await self._store.async_save(self._usage())

    def _usage(self) -> dict[str, Any]:
        return {"day": self._day, "chars": self._chars_today, "credits": self._credits_today}

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the account's synchronous generation slots for the duration of a request."""
        async with self._slots:
            delay = self._not_before - monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            yield

    def translate(self, err: errors.VoiceServiceError) -> HomeAssistantError:
        """Map a service error to a translated Home Assistant error and apply its side effects.

        Side effects: authentication failures start re-authentication, missing credits raise a
        repair issue (services with an account endpoint), and rate limits pause new requests for
        the announced time.
        """
        _LOGGER.debug("Voice service request failed: %s", type(err).__name__)
        if isinstance(err, errors.AuthenticationError):
            self._entry.async_start_reauth(self._hass)
            self._on_auth_failed()
            return self._error(HomeAssistantError, "auth_failed")
        if isinstance(err, errors.InsufficientCreditsError):
            if self._credits_issue:
                async_create_credits_issue(self._hass, self._entry)
            return self._error(HomeAssistantError, "insufficient_credits")
        if isinstance(err, errors.PaidOnlyError):
            return self._error(HomeAssistantError, "paid_only")
        if isinstance(err, errors.RateLimitError):
            wait = min(err.retry_after or DEFAULT_COOLDOWN_SECONDS, MAX_COOLDOWN_SECONDS)
            self._not_before = max(self._not_before, monotonic() + wait)
            return self._error(HomeAssistantError, "rate_limited")
        if isinstance(err, errors.NotFoundError):
            return self._error(ServiceValidationError, "not_found")
        if isinstance(err, errors.VoiceNotReadyError):
            return self._error(ServiceValidationError, "voice_not_ready")
        if isinstance(err, (errors.ValidationError, errors.InvalidAudioError)):
            return self._error(ServiceValidationError, "rejected", reason=err.message)
        if isinstance(err, errors.PermissionDeniedError):
            return self._error(HomeAssistantError, "forbidden")
        if isinstance(err, errors.ServiceConnectionError):
            return self._error(HomeAssistantError, "cannot_connect")
        if isinstance(err, errors.UnexpectedResponseError):
            return self._error(
                HomeAssistantError, "unexpected_response", request_id=err.request_id or "-"
            )
        return self._error(HomeAssistantError, "service_error")

    def _error(
        self, kind: type[HomeAssistantError], key: str, **placeholders: str
    ) -> HomeAssistantError:
        return kind(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={**self._placeholders, **placeholders},
        )
