"""From "someone wants this said" to a queued item: clean-up, voice choice, limits, budget.

Shared by `/tts say`, auto-read, the "Speak this message" menu and `/tts file`, so every path
applies the same rules. Raises `SpeechRefusedError` / `BudgetExhaustedError` / client errors; the
cog turns those into a short message (`feedback`).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from vocu_client import SynthesisOptions, errors
from vocu_client.deadline import BOT_ITEM_DEADLINE
from vocu_client.models import DEFAULT_STYLE_ID, GenerationResult, Voice
from vocu_client.providers import VoiceProvider

from .autoread import NameAnnouncer
from .budget import CharacterBudget, Reservation
from .feedback import ErrorKind, SpeechRefusedError
from .normalise import NameContext, estimate_seconds, normalise
from .player import DropReason, PlayerRegistry, SpeechItem
from .settings import GuildSettings, SettingsRepository, UserSettings
from .synthesis_slots import SynthesisSlots
from .voices import VoiceCatalog, style_exists

_LOGGER = logging.getLogger(__name__)

# Discord's attachment limit for servers without boosts is 10 MiB; stay under it.
MAX_FILE_BYTES = 8 * 1024 * 1024
LABEL_CHARS = 60

ErrorSink = Callable[[SpeechItem, Exception], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    guild_id: int
    author_id: int
    text: str
    channel_id: int | None = None
    names: NameContext = field(default_factory=NameContext)
    attachments: tuple[str, ...] = ()
    speaker_name: str | None = None  # display name for "X said"; None: never announce
    voice_id: str | None = None
    style_id: str | None = None
    # Whose words these are when not the requester's own (*Speak this message*): their opt-out
    # applies whoever asks.
    quoted_author_id: int | None = None


@dataclass(frozen=True, slots=True)
class PreparedSpeech:
    text: str  # exactly what is sent for synthesis (and counted)
    voice: Voice
    options: SynthesisOptions
    reservation: Reservation


class QueueOverflowError(SpeechRefusedError):
    """A queued message was pushed out by newer ones (``drop_oldest``) before it was read."""

    def __init__(self) -> None:
        super().__init__(
            ErrorKind.QUEUE_FULL, "A message was dropped unread: the speech queue was full."
        )


class Speaker:
    def __init__(
        self,
        settings: SettingsRepository,
        budget: CharacterBudget,
        catalog: VoiceCatalog,
        players: PlayerRegistry,
        *,
        default_voice_id: str | None = None,
        announcer: NameAnnouncer | None = None,
        slots: SynthesisSlots | None = None,
    ) -> None:
        self.settings = settings
        self.budget = budget
        self.catalog = catalog
        self.players = players
        self.default_voice_id = default_voice_id
        self.announcer = announcer or NameAnnouncer()
        self.slots = slots  # shared with the players: the account's concurrency quota
        self.error_sink: ErrorSink | None = None  # the cog reports failed items to the channel
        # Keyed by id(item); the item is kept so its id cannot be reused while it is pending.
        self._reservations: dict[int, tuple[SpeechItem, Reservation]] = {}
        self._sync_refused = False  # the account refused synchronous generation (unpaid Vocu)

    async def prepare(self, request: SpeechRequest, *, announce: bool = True) -> PreparedSpeech:
        guild = await self.settings.get_guild(request.guild_id)
        user = await self.settings.get_user(request.guild_id, request.author_id)
        quoted = request.quoted_author_id
        if (
            quoted not in (None, request.author_id)
            and (await self.settings.get_user(request.guild_id, quoted)).autoread_opt_out
        ):
            raise SpeechRefusedError(ErrorKind.OPTED_OUT)
        context = replace(
            request.names,
            pronunciations=await self.settings.pronunciations(request.guild_id),
            skip_emoji=guild.skip_emoji,
        )
        body = normalise(request.text, context, request.attachments)
        if not body:
            raise SpeechRefusedError(ErrorKind.EMPTY_TEXT)
        speed = user.speed or 1.0
        if len(body) > guild.max_chars:
            raise SpeechRefusedError(
                ErrorKind.TEXT_TOO_LONG,
                f"That is {len(body)} characters; this server reads at most {guild.max_chars}.",
            )
        if estimate_seconds(body, speed) > guild.max_seconds:
            raise SpeechRefusedError(
                ErrorKind.TEXT_TOO_LONG,
                f"That would take longer than {guild.max_seconds} seconds to read.",
            )
        voice, style_id = await self._choose_voice(request, guild, user)
        text = body
        if announce and guild.announce_names and request.speaker_name:
            spoken_name = user.nickname or request.speaker_name
            text = self.announcer.prefix(request.guild_id, request.author_id, spoken_name) + body
        reservation = await self.budget.reserve(guild, request.author_id, len(text))
        options = SynthesisOptions(style_id=style_id, speed=user.speed)
        return PreparedSpeech(text, voice, options, reservation)

    async def speak(self, request: SpeechRequest) -> SpeechItem:
        """Queue ``request`` on the guild's player; refused when the bot is not in voice."""
        player = self.players.get(request.guild_id)
        if player is None:
            raise SpeechRefusedError(ErrorKind.NOT_IN_VOICE)
        prepared = await self.prepare(request)
        who = request.speaker_name or "someone"
        item = SpeechItem(
            text=prepared.text,
            voice_id=prepared.voice.id,
            options=prepared.options,
            author_id=request.author_id,
            channel_id=request.channel_id,
            label=f"{who}: {_clip(prepared.text)} ({prepared.voice.name})",
        )
        self.forget_vanished(request.guild_id)
        self._reservations[id(item)] = (item, prepared.reservation)
        if not await player.enqueue(item):
            self._reservations.pop(id(item), None)
            await self.budget.refund(prepared.reservation)
            raise SpeechRefusedError(ErrorKind.QUEUE_FULL)
        return item

    async def render_file(self, client: VoiceProvider, prepared: PreparedSpeech) -> io.BytesIO:
        """The whole clip as MP3 bytes for a channel attachment, streamed and size-capped.

        ``prepared`` comes from ``prepare(request, announce=False)``; its reservation is
        reconciled with what the service billed, or refunded if nothing was.
        """
        async with self.slots.slot() if self.slots else contextlib.nullcontext():
            return await self._render_file(client, prepared)

    async def _render_file(self, client: VoiceProvider, prepared: PreparedSpeech) -> io.BytesIO:
        buffer = io.BytesIO()
        result: GenerationResult | None = None
        started = False
        try:
            if self._sync_refused:
                _append(buffer, await self._synthesize_by_job(client, prepared))
            elif len(prepared.text) > client.max_chars_per_request:
                # Several requests (MiniMax takes 500 characters at a time): no single result.
                async for chunk in client.iter_speech(
                    prepared.text, prepared.voice.id, prepared.options, deadline=BOT_ITEM_DEADLINE
                ):
                    started = True
                    _append(buffer, chunk)
            else:
                async with client.stream_speech(
                    prepared.text, prepared.voice.id, prepared.options, deadline=BOT_ITEM_DEADLINE
                ) as stream:
                    result = stream.result
                    started = True
                    async for chunk in stream:
                        _append(buffer, chunk)
        except errors.PaidOnlyError:
            # An unpaid Vocu account: remembered, and this file made through an async job.
            self._sync_refused = True
            try:
                _append(buffer, await self._synthesize_by_job(client, prepared))
            except BaseException:
                await self.budget.refund(prepared.reservation)
                raise
        except BaseException:
            if not started:  # nothing billed before the answer's headers
                await self.budget.refund(prepared.reservation)
            raise
        await self.budget.reconcile(prepared.reservation, result.credit_used if result else None)
        buffer.seek(0)
        return buffer

    @staticmethod
    async def _synthesize_by_job(client: VoiceProvider, prepared: PreparedSpeech) -> bytes:
        # Vocu's `synthesize` falls back to an async job for unpaid accounts.
        return await client.synthesize(prepared.text, prepared.voice.id, prepared.options)

    def forget_vanished(self, guild_id: int) -> None:
        """Drop bookkeeping for items that left the queue without a callback (cleared, dropped,
        skipped). Their estimate stays counted: a prefetched item may already have been billed.
        """
        player = self.players.get(guild_id)
        alive = {id(item) for item in player.queue_snapshot()} if player else set()
        if player is not None and player.current is not None:
            alive.add(id(player.current))
        for key, (_, reservation) in list(self._reservations.items()):
            if reservation.guild_id == guild_id and key not in alive:
                del self._reservations[key]

    def pending(self, guild_id: int) -> int:
        return sum(1 for _, r in self._reservations.values() if r.guild_id == guild_id)

    # player callbacks
    async def on_played(self, item: SpeechItem, result: GenerationResult | None) -> None:
        entry = self._reservations.pop(id(item), None)
        if entry is not None and result is not None:
            await self.budget.reconcile(entry[1], result.credit_used)

    async def on_dropped(self, item: SpeechItem, reason: DropReason, may_be_billed: bool) -> None:
        """A waiting item left the queue unplayed: refund what cannot have been billed, and tell
        its channel when the queue pushed it out (a clear or skip was asked for: no message)."""
        entry = self._reservations.pop(id(item), None)
        if entry is not None and not may_be_billed:
            await self.budget.refund(entry[1])
        if reason == "overflow" and self.error_sink is not None:
            await self.error_sink(item, QueueOverflowError())

    async def on_error(self, item: SpeechItem, error: Exception) -> None:
        entry = self._reservations.pop(id(item), None)
        if entry is not None:  # failed before or while synthesising: nothing was billed
            await self.budget.refund(entry[1])
        _LOGGER.info("Could not speak %r: %s", item, error)
        if self.error_sink is not None:
            await self.error_sink(item, error)

    async def _choose_voice(
        self, request: SpeechRequest, guild: GuildSettings, user: UserSettings
    ) -> tuple[Voice, str]:
        voice_id = request.voice_id or user.voice_id or guild.default_voice_id
        voice_id = voice_id or self.default_voice_id
        if voice_id:
            voice = await self.catalog.get(voice_id)
        else:  # nothing configured anywhere: any voice that can speak beats silence
            voice = next(iter(await self.catalog.voices()), None)
        if voice is None:
            raise SpeechRefusedError(ErrorKind.UNKNOWN_VOICE)
        if request.style_id:
            style_id = request.style_id
        elif not request.voice_id and user.voice_id == voice.id and user.style_id:
            style_id = user.style_id
        elif voice.id == guild.default_voice_id and guild.default_style_id:
            style_id = guild.default_style_id
        else:
            style_id = DEFAULT_STYLE_ID
        if not style_exists(voice, style_id):
            raise SpeechRefusedError(ErrorKind.UNKNOWN_VOICE, "That style does not exist.")
        return voice, style_id


def _append(buffer: io.BytesIO, chunk: bytes) -> None:
    if buffer.tell() + len(chunk) > MAX_FILE_BYTES:
        raise SpeechRefusedError(ErrorKind.TEXT_TOO_LONG, "The audio would be too big to upload.")
    buffer.write(chunk)


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
