"""The bot's configuration, read from the environment once; secrets never leave this object.

The voice service is ``VOICE_PROVIDER`` (vocu | noiz | minimax | minimax_official, default vocu).
Each service has its own key and base-URL variables, so switching service never sends one
service's key to another: Vocu ``VOCU_TOKEN`` / ``VOCU_BASE_URL``, Noiz ``NOIZ_API_KEY`` /
``NOIZ_BASE_URL``, MiniMax through useapi.net ``USEAPI_TOKEN`` / ``USEAPI_BASE_URL`` (+
``USEAPI_ACCOUNT`` when several MiniMax accounts are configured there), MiniMax's own API
``MINIMAX_API_KEY`` / ``MINIMAX_BASE_URL`` (a URL, or ``global`` / ``mainland``; + an optional
``MINIMAX_GROUP_ID`` for accounts that still need one).

Shards and processes: ``DISCORD_SHARD_COUNT`` fixes the total number of shards (unset: Discord
recommends one); ``DISCORD_CLUSTER_COUNT`` processes split them, and the process with
``DISCORD_CLUSTER_INDEX`` i runs the shards s with ``s % DISCORD_CLUSTER_COUNT == i``. Several
processes need PostgreSQL. ``DISCORD_IDENTIFY_INTERVAL`` (seconds, default Discord's 5) is for
test gateways that scale Discord's login window down.

The audio engine is ``VOCU_AUDIO_ENGINE`` (ffmpeg | lavalink, default ffmpeg). Lavalink needs
``LAVALINK_NODES`` (node URLs, e.g. ``http://lavalink-1:2333``, comma or space separated) and
``LAVALINK_PASSWORD``; ``LAVALINK_RESUME_SECONDS`` (default 60) is how long a node keeps the bot's
players while the bot restarts. Services without key-free URLs (Noiz) are relayed by the bot:
``AUDIO_RELAY_BIND`` (host:port, default 127.0.0.1:8765) and ``AUDIO_RELAY_PUBLIC_URL`` (how the
nodes reach that address, e.g. ``http://bot-host:8765``).

``DISCORD_OPUS_COMPLEXITY`` (0–10, unset: the bot's default, see `audio.DEFAULT_OPUS_COMPLEXITY`)
trades the FFmpeg engine's Opus encoder CPU for quality: its encoding is most of the CPU a
speaking server costs.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vocu_client.providers import DEFAULT_PROVIDER, MINIMAX_OFFICIAL_HOSTS, PROVIDERS

from .settings import DEFAULT_DATABASE_URL
from .startup import default_database_url

BASE_URL_ENV: Final = {
    "vocu": "VOCU_BASE_URL",
    "noiz": "NOIZ_BASE_URL",
    "minimax": "USEAPI_BASE_URL",
    "minimax_official": "MINIMAX_BASE_URL",
}


IDENTIFY_INTERVAL: Final = 5.0  # seconds; Discord: max_concurrency IDENTIFYs per 5 s per bucket


def cluster_shards(shard_count: int, cluster_index: int, cluster_count: int) -> list[int]:
    """The shards of process ``cluster_index``: every ``cluster_count``-th, from its index.

    Interleaved rather than in blocks, so any shard count splits (the first processes take one
    more) and a process's shards fall in as many identify buckets as the blocks would.
    """
    return list(range(cluster_index, shard_count, cluster_count))


class ConfigError(Exception):
    """A required variable is missing or malformed; the message names it (never its value)."""


@dataclass(frozen=True, slots=True)
class BotConfig:
    discord_token: str = field(repr=False)
    api_key: str = field(repr=False)
    base_url: str | None = None  # None: the service's own API
    provider: str = DEFAULT_PROVIDER
    account: str | None = None  # MiniMax via useapi.net only
    group_id: str | None = None  # MiniMax's own API only, and only if the account needs it
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    default_voice_id: str | None = None
    owner_ids: frozenset[int] = frozenset()
    sync_guild_id: int | None = None  # sync commands to one guild instantly while developing
    bot_daily_chars: int | None = None  # the operator's cap over all servers; None: none
    # False (`run --no-migrate`): refuse an old database schema instead of upgrading it.
    migrate_schema: bool = True
    shard_count: int | None = None  # None: the number Discord recommends
    cluster_index: int = 0
    cluster_count: int = 1  # processes splitting the shards; more than one needs PostgreSQL
    identify_interval: float = IDENTIFY_INTERVAL  # Discord's login window per bucket
    audio_engine: str = "ffmpeg"  # or "lavalink"
    lavalink_nodes: tuple[str, ...] = ()
    lavalink_password: str = field(default="", repr=False)
    lavalink_resume_seconds: int = 60
    relay_host: str = "127.0.0.1"
    relay_port: int = 8765
    relay_public_url: str | None = None
    opus_complexity: int | None = None  # None: audio.DEFAULT_OPUS_COMPLEXITY

    @property
    def shard_ids(self) -> list[int] | None:
        """This process's shards (None: all of them, however many Discord recommends)."""
        if self.shard_count is None:
            return None
        return cluster_shards(self.shard_count, self.cluster_index, self.cluster_count)

    def describe_shards(self) -> str:
        """What this process runs, for the start-up log and `check`."""
        if self.shard_count is None:
            return "all shards Discord recommends, in this one process"
        return (
            f"shards {', '.join(map(str, self.shard_ids or ()))} of {self.shard_count} "
            f"(process {self.cluster_index + 1} of {self.cluster_count})"
        )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require_discord: bool = True
    ) -> BotConfig:
        env = os.environ if env is None else env
        provider = env.get("VOICE_PROVIDER", "").strip().lower() or DEFAULT_PROVIDER
        if provider not in PROVIDERS:
            raise ConfigError(f"VOICE_PROVIDER must be one of {', '.join(PROVIDERS)}.")
        key_env = PROVIDERS[provider].token_env
        discord_token = env.get("DISCORD_TOKEN", "").strip()
        api_key = env.get(key_env, "").strip()
        missing = [
            name
            for name, value in (("DISCORD_TOKEN", discord_token), (key_env, api_key))
            if not value and (name != "DISCORD_TOKEN" or require_discord)
        ]
        if missing:
            raise ConfigError(f"Set {' and '.join(missing)} in the environment.")
        database_url = _database_url(env)
        return cls(
            discord_token=discord_token,
            api_key=api_key,
            base_url=_base_url(provider, env.get(BASE_URL_ENV[provider], "")),
            provider=provider,
            account=(env.get("USEAPI_ACCOUNT", "").strip() or None)
            if provider == "minimax"
            else None,
            group_id=(env.get("MINIMAX_GROUP_ID", "").strip() or None)
            if provider == "minimax_official"
            else None,
            database_url=database_url,
            default_voice_id=env.get("VOCU_DEFAULT_VOICE", "").strip() or None,
            owner_ids=_ids("BOT_OWNER_IDS", env.get("BOT_OWNER_IDS", "")),
            sync_guild_id=next(
                iter(_ids("DISCORD_SYNC_GUILD", env.get("DISCORD_SYNC_GUILD", ""))), None
            ),
            bot_daily_chars=_count("BOT_DAILY_CHARS", env.get("BOT_DAILY_CHARS", "")),
            **_audio_engine(env),
            opus_complexity=_opus_complexity(env.get("DISCORD_OPUS_COMPLEXITY", "")),
            **_sharding(env, database_url),
        )


AUDIO_ENGINES: Final = ("ffmpeg", "lavalink")


def _audio_engine(env: Mapping[str, str]) -> dict[str, object]:
    engine = env.get("VOCU_AUDIO_ENGINE", "").strip().lower() or "ffmpeg"
    if engine not in AUDIO_ENGINES:
        raise ConfigError(f"VOCU_AUDIO_ENGINE must be one of {', '.join(AUDIO_ENGINES)}.")
    if engine == "ffmpeg":
        return {}
    if importlib.util.find_spec("wavelink") is None:
        raise ConfigError(
            "VOCU_AUDIO_ENGINE=lavalink needs the lavalink extra: "
            "pip install 'vocu-voice[discord,lavalink]'."
        )
    nodes = tuple(part for part in env.get("LAVALINK_NODES", "").replace(",", " ").split() if part)
    password = env.get("LAVALINK_PASSWORD", "").strip()
    if not nodes or not password:
        raise ConfigError("VOCU_AUDIO_ENGINE=lavalink needs LAVALINK_NODES and LAVALINK_PASSWORD.")
    if not all(node.startswith(("http://", "https://")) and "@" not in node for node in nodes):
        raise ConfigError("LAVALINK_NODES must be http(s)://host:port URLs (password separately).")
    host, _, port = (env.get("AUDIO_RELAY_BIND", "").strip() or "127.0.0.1:8765").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError("AUDIO_RELAY_BIND must be host:port, e.g. 0.0.0.0:8765.")
    resume = _count("LAVALINK_RESUME_SECONDS", env.get("LAVALINK_RESUME_SECONDS", ""))
    return {
        "audio_engine": engine,
        "lavalink_nodes": nodes,
        "lavalink_password": password,
        "lavalink_resume_seconds": 60 if resume is None else resume,
        "relay_host": host.strip("[]"),
        "relay_port": int(port),
        "relay_public_url": env.get("AUDIO_RELAY_PUBLIC_URL", "").strip() or None,
    }


def _base_url(provider: str, value: str) -> str | None:
    """The base URL variable; MiniMax's host names (``global``, ``mainland``) become URLs."""
    value = value.strip()
    if provider == "minimax_official":
        return MINIMAX_OFFICIAL_HOSTS.get(value.lower(), value) or None
    return value or None


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL", "").strip() or default_database_url(env)
    if not url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ConfigError("DATABASE_URL must start with sqlite:///, postgres:// or postgresql://.")
    return url


def _sharding(env: Mapping[str, str], database_url: str) -> dict[str, Any]:
    shard_count = _positive("DISCORD_SHARD_COUNT", env.get("DISCORD_SHARD_COUNT", ""))
    cluster_count = _positive("DISCORD_CLUSTER_COUNT", env.get("DISCORD_CLUSTER_COUNT", "")) or 1
    index_text = env.get("DISCORD_CLUSTER_INDEX", "").strip()
    if index_text and not index_text.isdigit():
        raise ConfigError("DISCORD_CLUSTER_INDEX must be a whole number from 0.")
    cluster_index = int(index_text) if index_text else 0
    if cluster_count > 1:
        if shard_count is None:
            raise ConfigError(
                "DISCORD_CLUSTER_COUNT needs DISCORD_SHARD_COUNT: every process must split "
                "the same number of shards."
            )
        if not index_text:
            raise ConfigError(
                f"Set DISCORD_CLUSTER_INDEX (0 to {cluster_count - 1}) for this process."
            )
        if cluster_count > shard_count:
            raise ConfigError(
                f"DISCORD_CLUSTER_COUNT ({cluster_count}) is more than DISCORD_SHARD_COUNT "
                f"({shard_count}): a process would have no shard."
            )
        if database_url.startswith("sqlite://"):
            raise ConfigError(
                "Several bot processes (DISCORD_CLUSTER_COUNT) need a shared PostgreSQL "
                "database: set DATABASE_URL=postgresql://..."
            )
    if cluster_index >= cluster_count:
        raise ConfigError(
            f"DISCORD_CLUSTER_INDEX must be below DISCORD_CLUSTER_COUNT ({cluster_count}): "
            f"0 to {cluster_count - 1}."
        )
    interval_text = env.get("DISCORD_IDENTIFY_INTERVAL", "").strip()
    try:
        interval = float(interval_text) if interval_text else IDENTIFY_INTERVAL
    except ValueError:
        interval = -1.0
    if not 0 < interval <= 60:  # also refuses nan and inf
        raise ConfigError("DISCORD_IDENTIFY_INTERVAL must be a number of seconds, 0 to 60.")
    return {
        "shard_count": shard_count,
        "cluster_index": cluster_index,
        "cluster_count": cluster_count,
        "identify_interval": interval,
    }


def _opus_complexity(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 10:
        raise ConfigError("DISCORD_OPUS_COMPLEXITY must be a whole number from 0 to 10 (or unset).")
    return int(text)


def _positive(name: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number from 1 (or unset).")
    return int(text)


def _ids(name: str, text: str) -> frozenset[int]:
    parts = [part for part in text.replace(",", " ").split() if part]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise ConfigError(f"{name} must be Discord ids separated by commas or spaces.") from None


def _count(name: str, text: str) -> int | None:
    text = text.strip().replace("_", "")
    if not text:
        return None
    if not text.isdigit():
        raise ConfigError(f"{name} must be a whole number of characters (or unset for no cap).")
    return int(text)
