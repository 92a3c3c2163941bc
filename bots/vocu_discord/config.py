"""The bot's configuration, read from the environment once; secrets never leave this object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from vocu_client import DEFAULT_BASE_URL

from .settings import DEFAULT_DATABASE_URL


class ConfigError(Exception):
    """A required variable is missing or malformed; the message names it (never its value)."""


@dataclass(frozen=True, slots=True)
class BotConfig:
    discord_token: str = field(repr=False)
    vocu_token: str = field(repr=False)
    vocu_base_url: str = DEFAULT_BASE_URL
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    default_voice_id: str | None = None
    owner_ids: frozenset[int] = frozenset()
    sync_guild_id: int | None = None  # sync commands to one guild instantly while developing

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require_discord: bool = True
    ) -> BotConfig:
        env = os.environ if env is None else env
        discord_token = env.get("DISCORD_TOKEN", "").strip()
        vocu_token = env.get("VOCU_TOKEN", "").strip()
        missing = [
            name
            for name, value in (("DISCORD_TOKEN", discord_token), ("VOCU_TOKEN", vocu_token))
            if not value and (name != "DISCORD_TOKEN" or require_discord)
        ]
        if missing:
            raise ConfigError(f"Set {' and '.join(missing)} in the environment.")
        return cls(
            discord_token=discord_token,
            vocu_token=vocu_token,
            vocu_base_url=env.get("VOCU_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            default_voice_id=env.get("VOCU_DEFAULT_VOICE", "").strip() or None,
            owner_ids=_ids("BOT_OWNER_IDS", env.get("BOT_OWNER_IDS", "")),
            sync_guild_id=next(
                iter(_ids("DISCORD_SYNC_GUILD", env.get("DISCORD_SYNC_GUILD", ""))), None
            ),
        )


def _ids(name: str, text: str) -> frozenset[int]:
    parts = [part for part in text.replace(",", " ").split() if part]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise ConfigError(f"{name} must be Discord ids separated by commas or spaces.") from None
