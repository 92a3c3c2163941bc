"""Everything the cog works with, built once from the configuration and closed together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from vocu_client.providers import Capability, VoiceProvider, create_provider

from .audio import StreamSourceFactory
from .autoread import AutoReader, IdleNotices, NameAnnouncer, NoticeLimiter
from .budget import CharacterBudget
from .config import BotConfig
from .lifecycle import IdleTracker
from .playback import FFmpegBackend, PlaybackBackend
from .player import PlayerRegistry
from .settings import SettingsRepository, open_settings
from .speaker import Speaker
from .synthesis_slots import SynthesisSlots
from .voices import VoiceCatalog


@dataclass
class BotServices:
    client: VoiceProvider  # the configured voice service (Vocu, Noiz AI or MiniMax)
    settings: SettingsRepository
    players: PlayerRegistry
    speaker: Speaker
    owner_ids: set[int] = field(default_factory=set)
    auto_reader: AutoReader = field(default_factory=AutoReader)
    notices: NoticeLimiter = field(default_factory=NoticeLimiter)
    idle_notices: IdleNotices = field(default_factory=IdleNotices)
    idle: IdleTracker = field(default_factory=IdleTracker)
    owns_client: bool = True
    # The audio engine every guild's player uses (FFmpeg here, or Lavalink nodes).
    playback: PlaybackBackend = field(default_factory=FFmpegBackend)

    @property
    def catalog(self) -> VoiceCatalog:
        return self.speaker.catalog

    @property
    def budget(self) -> CharacterBudget:
        return self.speaker.budget

    @classmethod
    def build(
        cls,
        client: VoiceProvider,
        settings: SettingsRepository,
        *,
        default_voice_id: str | None = None,
        owner_ids: set[int] | frozenset[int] = frozenset(),
        players: PlayerRegistry | None = None,
        owns_client: bool = True,
        bot_daily_chars: int | None = None,
        slots: SynthesisSlots | None = None,
        playback: PlaybackBackend | None = None,
    ) -> Self:
        if slots is None:
            slots = SynthesisSlots(client)
        if playback is None:
            playback = FFmpegBackend(StreamSourceFactory(slots=slots))
        if players is None:  # not `or`: an empty registry is falsy (it has a length)
            players = PlayerRegistry(client, backend=playback)
        speaker = Speaker(
            settings,
            CharacterBudget(settings, bot_daily_chars=bot_daily_chars),
            VoiceCatalog(client),
            players,
            default_voice_id=default_voice_id,
            announcer=NameAnnouncer(),
            slots=slots,
        )
        return cls(
            client,
            settings,
            players,
            speaker,
            set(owner_ids),
            owns_client=owns_client,
            playback=playback,
        )

    @classmethod
    async def from_config(cls, config: BotConfig, *, sole_process: bool = True) -> Self:
        """``sole_process``: this is the bot, and a SQLite file serves one bot process only."""
        settings = await open_settings(
            config.database_url, migrate=config.migrate_schema, sole_process=sole_process
        )
        extra = {"account": config.account} if config.account else {}
        if config.group_id:
            extra["group_id"] = config.group_id
        client = create_provider(config.provider, config.api_key, base_url=config.base_url, **extra)
        shared = None
        if config.database_url.startswith(("postgres://", "postgresql://")):
            # Several processes may share this database: they share the account's quota too.
            from .shared_slots import PostgresSlots  # noqa: PLC0415 - asyncpg only when used

            shared = PostgresSlots(config.database_url)
        slots = SynthesisSlots(client, shared=shared)
        return cls.build(
            client,
            settings,
            slots=slots,
            playback=_playback_engine(config, client, slots),
            default_voice_id=config.default_voice_id,
            owner_ids=config.owner_ids,
            bot_daily_chars=config.bot_daily_chars,
        )

    async def aclose(self) -> None:
        """Stop every player (reaping FFmpeg), then close the HTTP session and the database."""
        try:
            await self.catalog.aclose()
            await self.players.aclose_all()
            await self.playback.aclose()
        finally:
            try:
                if self.owns_client:
                    await self.client.close()
            finally:
                try:
                    if self.speaker.slots is not None:
                        await self.speaker.slots.close()
                finally:
                    await self.settings.close()


def _playback_engine(
    config: BotConfig, client: VoiceProvider, slots: SynthesisSlots
) -> PlaybackBackend | None:
    """The configured audio engine; None for the default (FFmpeg in this process)."""
    if config.audio_engine != "lavalink":
        if config.opus_complexity is None:
            return None
        return FFmpegBackend(
            StreamSourceFactory(slots=slots, opus_complexity=config.opus_complexity)
        )
    # wavelink is the optional [lavalink] extra: imported only when chosen.
    from .audio_relay import AudioRelay  # noqa: PLC0415
    from .lavalink_engine import LavalinkBackend, LavalinkNodeConfig  # noqa: PLC0415

    relay = None
    if not client.supports(Capability.SIGNED_URLS):
        relay = AudioRelay(
            host=config.relay_host, port=config.relay_port, public_url=config.relay_public_url
        )
    nodes = [LavalinkNodeConfig(uri, config.lavalink_password) for uri in config.lavalink_nodes]
    return LavalinkBackend(
        nodes, relay=relay, slots=slots, resume_seconds=config.lavalink_resume_seconds
    )
