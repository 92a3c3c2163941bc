"""The guilds the loopback Discord knows: ids, permissions, who is in voice, and their JSON.

Most tests use the one full guild (``GUILD_ID``); sharding tests add plain ones (`add_guild`),
each with a text channel (id + 1) and a voice channel (id + 2) where a member already is.
"""

# ruff: noqa: E501  (Discord payloads are kept one field group a line)
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

APP_ID = 900_000_000_000_000_001  # a bot's user id equals its application id
GUILD_ID = 900_000_000_000_000_100
TEXT_CHANNEL_ID = 900_000_000_000_000_101
VOICE_CHANNEL_ID = 900_000_000_000_000_102
STAGE_CHANNEL_ID = 900_000_000_000_000_103
OTHER_VOICE_CHANNEL_ID = 900_000_000_000_000_104
MEMBER_ID = 900_000_000_000_000_200
OTHER_MEMBER_ID = 900_000_000_000_000_201
BOT_TOKEN = "loopback-bot-token"

# Permission bits (https://discord.com/developers/docs/topics/permissions)
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
ADD_REACTIONS = 1 << 6
READ_HISTORY = 1 << 16
CONNECT = 1 << 20
SPEAK = 1 << 21
USE_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | ADD_REACTIONS | READ_HISTORY | CONNECT | SPEAK | USE_COMMANDS
)

_snowflakes = itertools.count(950_000_000_000_000_000)


def snowflake() -> int:
    return next(_snowflakes)


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule: which shard receives a guild's events."""
    return (guild_id >> 22) % shard_count


def guild_on_shard(shard: int, shard_count: int, n: int = 1) -> int:
    """The ``n``-th made-up guild id that lands on ``shard`` of ``shard_count``."""
    return ((n * shard_count * 1000 + shard) << 22) + 777


def user_json(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id), "username": name, "global_name": name.title(),
        "discriminator": "0", "avatar": None, "bot": bot,
    }  # fmt: skip


@dataclass
class World:
    everyone_permissions: int = MEMBER_PERMISSIONS
    voice_user_limit: int = 0
    # member id -> voice channel id (None: not in voice); the bot's entry is kept by the gateway
    voice: dict[int, int | None] = field(
        default_factory=lambda: {MEMBER_ID: VOICE_CHANNEL_ID, OTHER_MEMBER_ID: None}
    )
    names: dict[int, str] = field(
        default_factory=lambda: {APP_ID: "vocubot", MEMBER_ID: "alice", OTHER_MEMBER_ID: "bob"}
    )
    sessions: dict[int, str] = field(default_factory=dict)
    # guild id -> (member id -> voice channel id) for the guilds added by `add_guild`
    other_guilds: dict[int, dict[int, int | None]] = field(default_factory=dict)

    def add_guild(self, guild_id: int) -> None:
        self.other_guilds[guild_id] = {MEMBER_ID: guild_id + 2}

    @property
    def guild_ids(self) -> list[int]:
        return [GUILD_ID, *self.other_guilds]

    def voice_of(self, guild_id: int) -> dict[int, int | None]:
        return self.voice if guild_id == GUILD_ID else self.other_guilds[guild_id]

    def member_json(self, user_id: int) -> dict[str, Any]:
        return {
            "user": user_json(user_id, self.names[user_id], bot=user_id == APP_ID),
            "roles": [], "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False, "mute": False,
            "flags": 0, "nick": None, "avatar": None, "pending": False,
        }  # fmt: skip

    def voice_state_json(self, user_id: int, guild_id: int = GUILD_ID) -> dict[str, Any]:
        channel_id = self.voice_of(guild_id).get(user_id)
        return {
            "guild_id": str(guild_id),
            "channel_id": None if channel_id is None else str(channel_id),
            "user_id": str(user_id),
            "member": self.member_json(user_id),
            "session_id": self.sessions.setdefault(user_id, f"session-{user_id}"),
            "deaf": False, "mute": False, "self_deaf": user_id == APP_ID, "self_mute": False,
            "self_video": False, "suppress": False, "request_to_speak_timestamp": None,
        }  # fmt: skip

    def channels_json(self, guild_id: int = GUILD_ID) -> list[dict[str, Any]]:
        def channel(channel_id: int, kind: int, name: str, **extra: Any) -> dict[str, Any]:
            return {
                "id": str(channel_id), "type": kind, "name": name, "position": 0,
                "permission_overwrites": [], "guild_id": str(guild_id), "nsfw": False,
                "parent_id": None, **extra,
            }  # fmt: skip

        voice_extra = {"bitrate": 64000, "user_limit": self.voice_user_limit, "rtc_region": None}
        if guild_id != GUILD_ID:
            return [
                channel(guild_id + 1, 0, "general", topic=None, last_message_id=None),
                channel(guild_id + 2, 2, "Lounge", **voice_extra),
            ]
        return [
            channel(TEXT_CHANNEL_ID, 0, "general", topic=None, last_message_id=None),
            channel(VOICE_CHANNEL_ID, 2, "Lounge", **voice_extra),
            channel(OTHER_VOICE_CHANNEL_ID, 2, "Quiet room", **voice_extra),
            channel(STAGE_CHANNEL_ID, 13, "Town hall", bitrate=64000, user_limit=0),
        ]

    def channel_json(self, channel_id: int, guild_id: int = GUILD_ID) -> dict[str, Any]:
        return next(c for c in self.channels_json(guild_id) if c["id"] == str(channel_id))

    def guild_json(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        voice = self.voice_of(guild_id)
        return {
            "id": str(guild_id), "name": "Loopback guild" if guild_id == GUILD_ID else f"Guild {guild_id}", "icon": None, "owner_id": "1",
            "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "features": [],
            "mfa_level": 0, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
            "emojis": [], "stickers": [], "unavailable": False, "large": False,
            "member_count": len(self.names), "joined_at": "2025-01-01T00:00:00+00:00",
            "roles": [{
                "id": str(guild_id), "name": "@everyone", "permissions": str(self.everyone_permissions),
                "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                "flags": 0,
            }],
            "members": [self.member_json(user_id) for user_id in self.names],
            "channels": self.channels_json(guild_id),
            "voice_states": [
                self.voice_state_json(user_id, guild_id)
                for user_id, channel_id in voice.items() if channel_id is not None
            ],
            "threads": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }  # fmt: skip

    def message_json(
        self, channel_id: int, author_id: int, content: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "id": str(extra.pop("id", snowflake())), "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID), "author": self.member_json(author_id)["user"],
            "member": {k: v for k, v in self.member_json(author_id).items() if k != "user"},
            "content": content, "timestamp": "2025-01-01T00:00:00+00:00",
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0,
            "flags": 0, **extra,
        }  # fmt: skip
