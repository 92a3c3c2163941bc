"""Polls the account (credits, quota, where the service has one) and its voices; keeps the repair
issues in step with them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client.errors import AuthenticationError, VoiceServiceError
from .client.models import Account, GenerationResult, Voice
from .client.providers import Capability, VoiceProvider
from .const import CONF_VOICE, DOMAIN, SUBENTRY_PROFILE, UPDATE_INTERVAL_MINUTES
from .repairs import (
    async_clear_credits_issue,
    async_clear_voice_missing_issue,
    async_create_voice_missing_issue,
    async_sync_profile_voice_issues,
)

if TYPE_CHECKING:
    from .data import VocuConfigEntry

_LOGGER = logging.getLogger(__name__)

# Several syntheses in a row (an announcement split in parts) cost one account refresh, not many.
USAGE_REFRESH_COOLDOWN_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class VocuAccountData:
    """One poll's result: the account (None where the service has no account endpoint) and all
    its voices (own and built-in/market, usable or not)."""

    account: Account | None
    voices: tuple[Voice, ...]

    @property
    def usable_voices(self) -> tuple[Voice, ...]:
        return tuple(voice for voice in self.voices if voice.usable)

    def voice(self, voice_id: str) -> Voice | None:
        return next((voice for voice in self.voices if voice.id == voice_id), None)


def _deduct(account: Account, credit_used: float) -> Account:
    """The account as it is after spending `credit_used`: bonus credit first, then paid credit."""
    from_bonus = min(account.bonus_credit, credit_used)
    from_paid = credit_used - from_bonus
    return replace(
        account,
        bonus_credit=account.bonus_credit - from_bonus,
        credit=max(0.0, account.credit - from_paid),
    )


class VocuCoordinator(DataUpdateCoordinator[VocuAccountData]):
    """Account and voice list of one entry, refreshed periodically and after usage."""

    config_entry: VocuConfigEntry

    def __init__(self, hass: HomeAssistant, entry: VocuConfigEntry, client: VoiceProvider) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=timedelta(minutes=UPDATE_INTERVAL_MINUTES),
        )
        # After a synthesis the balance is re-read once the service has billed it (its own cost
        # report is shown at once meanwhile); several syntheses in a row share that one read.
        # Manual refreshes keep Home Assistant's immediate debouncer: a refused key must show
        # reauth now.
        self._usage_refresh = Debouncer(
            hass,
            _LOGGER,
            cooldown=USAGE_REFRESH_COOLDOWN_SECONDS,
            immediate=False,
            function=self.async_refresh,
        )
        self.client = client
        self._placeholders = {"service": client.info.title}

    @property
    def auth_failed(self) -> bool:
        """The service refused the key (at the last poll, or at a synthesis since)."""
        return not self.last_update_success and isinstance(
            self.last_exception, ConfigEntryAuthFailed
        )

    @callback
    def async_mark_auth_failed(self) -> None:
        """A synthesis was refused for the key: mark the entities as the failed poll would."""
        self.async_set_update_error(
            ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders=self._placeholders,
            )
        )

    async def _async_update_data(self) -> VocuAccountData:
        try:
            account = (
                await self.client.get_account()
                if self.client.supports(Capability.ACCOUNT)
                else None
            )
            voices = await self.client.list_voices(include_builtin=True)
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders=self._placeholders,
            ) from err
        except VoiceServiceError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={**self._placeholders, "error": str(err)},
            ) from err
        data = VocuAccountData(account=account, voices=tuple(voices))
        self._sync_issues(data)
        return data

    def _sync_issues(self, data: VocuAccountData) -> None:
        """Clear what the new data shows resolved; raise what it shows broken."""
        if data.account is not None and data.account.credits > 0:
            async_clear_credits_issue(self.hass, self.config_entry)
        voice_id = self.config_entry.options.get(CONF_VOICE)
        default_voice = data.voice(voice_id) if voice_id else None
        if voice_id and (default_voice is None or not default_voice.usable):
            async_create_voice_missing_issue(self.hass, self.config_entry, voice_id)
        else:
            async_clear_voice_missing_issue(self.hass, self.config_entry)
        usable = {voice.id for voice in data.voices if voice.usable}
        async_sync_profile_voice_issues(
            self.hass,
            self.config_entry,
            {
                subentry.subentry_id: (subentry.title, subentry.data[CONF_VOICE])
                for subentry in self.config_entry.subentries.values()
                if subentry.subentry_type == SUBENTRY_PROFILE
                and subentry.data.get(CONF_VOICE)
                and subentry.data[CONF_VOICE] not in usable
            },
        )

    async def async_record_usage(self, result: GenerationResult | None) -> None:
        """Show a synthesis' cost at once (when it is known) and re-read the balance soon after."""
        if (
            result is not None
            and result.credit_used
            and self.data is not None
            and self.data.account is not None
        ):
            account = _deduct(self.data.account, result.credit_used)
            self.async_set_updated_data(replace(self.data, account=account))
        await self._usage_refresh.async_call()

    async def async_shutdown(self) -> None:
        self._usage_refresh.async_shutdown()
        await super().async_shutdown()
