"""Check a key before anything is stored, and tell which account (config entry) it belongs to.

Services with an account endpoint (``Capability.ACCOUNT``) name the account; the others are
checked by listing the key's own voices and identified by a hash of the key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .client.deadline import KEY_CHECK_DEADLINE
from .client.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ServerError,
    ServiceConnectionError,
    VoiceServiceError,
)
from .client.providers import Capability, VoiceProvider
from .service import key_unique_id

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a key belongs to: the entry's unique id and title, and whether it may stream."""

    unique_id: str
    title: str
    is_paid: bool | None = None  # None: the service does not say (only Vocu has free accounts)
    from_key: bool = False  # unique_id is a hash of the key: a new key means a new id


class CheckFailed(Exception):
    """The key could not be confirmed; ``error`` is the flow's error key."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


async def async_identify(
    provider: VoiceProvider, api_key: str, account: str | None = None
) -> Identity:
    """One cheap authenticated call; raises CheckFailed(invalid_auth|cannot_connect|unknown)."""
    try:
        if provider.supports(Capability.ACCOUNT):
            found = await provider.get_account(deadline=KEY_CHECK_DEADLINE)
            return Identity(found.user_id, found.name or found.user_id, found.is_paid)
        await provider.list_voices(include_builtin=False, deadline=KEY_CHECK_DEADLINE)
    except (AuthenticationError, PermissionDeniedError) as err:
        raise CheckFailed("invalid_auth") from err
    except (ServiceConnectionError, ServerError) as err:
        raise CheckFailed("cannot_connect") from err
    except VoiceServiceError as err:
        _LOGGER.warning("%s answered the key check unexpectedly: %s", provider.info.title, err)
        raise CheckFailed("unknown") from err
    except Exception as err:
        _LOGGER.exception("Unexpected error while checking the %s key", provider.info.title)
        raise CheckFailed("unknown") from err
    title = f"{provider.info.title} ({account})" if account else provider.info.title
    return Identity(key_unique_id(provider.name, api_key, account), title, from_key=True)
