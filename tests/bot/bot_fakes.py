"""Small stand-ins for the Discord gateway side (interactions, members, channels, messages).

Only what Discord itself would deliver is faked; the cog, its app_commands objects, the client,
the emulator, FFmpeg and the database are real. Imported by the command tests, which also import
the fixtures defined here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord.ext import commands
from vocu_client.providers import VoiceProvider
from vocu_discord.cog import VocuCog
from vocu_discord.lifecycle import IdleTracker
from vocu_discord.recording import RecordingVoiceClient
from vocu_discord.services import BotServices
from vocu_discord.settings import open_settings

GUILD_ID = 1000
TEXT_CHANNEL_ID = 2000
VOICE_CHANNEL_ID = 3000
OWNER_ID = 42
USER_ID = 7
BOT_USER_ID = 99


class FakeResponse:
    def __init__(self) -> None:
        self.sent: list[tuple[str | None, dict[str, Any]]] = []
        self.deferred = False
        self.edits: list[dict[str, Any]] = []

    def is_done(self) -> bool:
        return bool(self.sent) or self.deferred

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        assert not self.is_done(), "an interaction can be answered once"
        self.sent.append((content, kwargs))

    async def defer(self, **kwargs: Any) -> None:
        assert not self.is_done()
        self.deferred = True

    async def edit_message(self, **kwargs: Any) -> None:
        self.edits.append(kwargs)


class FakeFollowup:
    def __init__(self) -> None:
        self.sent: list[tuple[str | None, dict[str, Any]]] = []

    async def send(self, content: str | None = None, **kwargs: Any) -> None:
        self.sent.append((content, kwargs))


@dataclass
class FakeTextChannel:
    id: int = TEXT_CHANNEL_ID
    name: str = "general"
    sent: list[str] = field(default_factory=list)

    async def send(self, content: str, **kwargs: Any) -> None:
        self.sent.append(content)


class ConnectedVoiceClient(RecordingVoiceClient):
    """The recording voice client plus what a connected `discord.VoiceClient` also has."""

    def __init__(self, channel: FakeVoiceChannel) -> None:
        super().__init__(realtime=False)
        self.channel = channel
        self.disconnected = False

    async def disconnect(self, *, force: bool = False) -> None:
        self.stop()
        self.connected = False
        self.disconnected = True


@dataclass
class FakeVoiceChannel:
    id: int = VOICE_CHANNEL_ID
    name: str = "Lounge"
    members: list[Any] = field(default_factory=list)
    clients: list[ConnectedVoiceClient] = field(default_factory=list)
    connect_kwargs: list[dict[str, Any]] = field(default_factory=list)

    async def connect(self, **kwargs: Any) -> ConnectedVoiceClient:
        self.connect_kwargs.append(kwargs)
        client = ConnectedVoiceClient(self)
        self.clients.append(client)
        return client


@dataclass
class FakeRole:
    id: int
    name: str


@dataclass
class FakeGuild:
    id: int = GUILD_ID
    members: dict[int, Any] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, Any] = field(default_factory=dict)
    voice_client: Any = None

    def get_member(self, member_id: int) -> Any:
        return self.members.get(member_id)

    def get_role(self, role_id: int) -> Any:
        return self.roles.get(role_id)

    def get_channel(self, channel_id: int) -> Any:
        return self.channels.get(channel_id)


@dataclass
class FakeMember:
    id: int = USER_ID
    display_name: str = "Alice"
    bot: bool = False
    roles: list[FakeRole] = field(default_factory=list)
    voice: Any = None
    guild: Any = None

    def join(self, channel: FakeVoiceChannel) -> None:
        self.voice = SimpleNamespace(channel=channel)
        channel.members.append(self)


class FakeInteraction:
    def __init__(
        self,
        user: FakeMember,
        guild: FakeGuild,
        *,
        manage_guild: bool = False,
        move_members: bool = False,
        channel: FakeTextChannel | None = None,
        namespace: dict[str, Any] | None = None,
    ) -> None:
        self.user = user
        self.guild = guild
        self.guild_id = guild.id
        self.channel = channel or FakeTextChannel()
        self.channel_id = self.channel.id
        self.permissions = discord.Permissions(manage_guild=manage_guild, move_members=move_members)
        self.namespace = SimpleNamespace(**(namespace or {}))
        self.response = FakeResponse()
        self.followup = FakeFollowup()
        self.original_edits: list[dict[str, Any]] = []
        self.extras: dict[str, Any] = {}

    async def edit_original_response(self, **kwargs: Any) -> None:
        assert self.response.is_done(), "there is no original response to edit yet"
        self.original_edits.append(kwargs)

    @property
    def messages(self) -> list[tuple[str | None, dict[str, Any]]]:
        return self.response.sent + self.followup.sent

    @property
    def last(self) -> str:
        content, kwargs = self.messages[-1]
        assert kwargs.get("ephemeral", False) or "file" in kwargs or "view" in kwargs
        return content or ""


@dataclass
class FakeAttachment:
    filename: str
    data: bytes = b""

    @property
    def size(self) -> int:
        return len(self.data)

    async def read(self) -> bytes:
        return self.data


@dataclass
class FakeMessage:
    content: str
    author: FakeMember
    guild: FakeGuild
    channel: FakeTextChannel
    attachments: list[FakeAttachment] = field(default_factory=list)
    mentions: list[Any] = field(default_factory=list)
    role_mentions: list[Any] = field(default_factory=list)
    channel_mentions: list[Any] = field(default_factory=list)
    reactions: list[str] = field(default_factory=list)

    async def add_reaction(self, emoji: str) -> None:
        self.reactions.append(emoji)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    """One guild with a text channel, a voice channel, a member, the owner and the real cog."""

    bot: commands.Bot
    cog: VocuCog
    services: BotServices
    guild: FakeGuild
    text: FakeTextChannel
    voice: FakeVoiceChannel
    member: FakeMember
    owner: FakeMember
    clock: Clock

    def interaction(self, user: FakeMember | None = None, **kwargs: Any) -> FakeInteraction:
        return FakeInteraction(user or self.member, self.guild, channel=self.text, **kwargs)

    def message(self, content: str, author: FakeMember | None = None, **kwargs: Any) -> FakeMessage:
        return FakeMessage(content, author or self.member, self.guild, self.text, **kwargs)

    async def join(self) -> ConnectedVoiceClient:
        await self.cog.join.callback(self.cog, self.interaction())
        return self.voice.clients[-1]

    async def drained(self, timeout: float = 60.0) -> None:
        """Wait until the guild's player has nothing left to say."""
        player = self.services.players.get(self.guild.id)
        async with asyncio.timeout(timeout):
            while player is not None and (player.is_playing or player.queue_snapshot()):  # noqa: ASYNC110 - the player exposes no "drained" event
                await asyncio.sleep(0.05)


async def empty_postgres(url: str) -> str:
    """The session cluster is shared: give a test empty tables."""
    repository = await open_settings(url)
    try:
        for table in ("guild_settings", "user_settings", "pronunciations", "char_usage"):
            await repository._execute(f"DELETE FROM {table}")
    finally:
        await repository.close()
    return url


@pytest.fixture(name="world")
async def world_fixture(
    paid_client: VoiceProvider, tmp_path: Path, bot_database_url: str
) -> AsyncIterator[World]:
    settings = await open_settings(bot_database_url)
    services = BotServices.build(paid_client, settings, owner_ids={OWNER_ID}, owns_client=False)
    clock = Clock()
    services.idle = IdleTracker(clock)
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    # add_cog, not load_extension: unloading an extension purges vocu_discord.* from sys.modules,
    # which would leave this test module holding classes from a previous import.
    cog = VocuCog(bot, services)
    await bot.add_cog(cog)
    guild = FakeGuild()
    text, voice = FakeTextChannel(), FakeVoiceChannel()
    guild.channels = {text.id: text, voice.id: voice}
    member = FakeMember(guild=guild)
    owner = FakeMember(id=OWNER_ID, display_name="Owner", guild=guild)
    guild.members = {member.id: member, owner.id: owner}
    member.join(voice)
    try:
        yield World(bot, cog, services, guild, text, voice, member, owner, clock)
    finally:
        await bot.close()  # unloads the cog: players closed, FFmpeg reaped
        await settings.close()
        for client in voice.clients:
            client.stop()
            client.join(timeout=10)
