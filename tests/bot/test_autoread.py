"""Which messages auto-read speaks, name announcing, and the one-notice-per-hour rule."""

from __future__ import annotations

import pytest
from vocu_discord.autoread import (
    AutoReader,
    IdleNotices,
    IncomingMessage,
    NameAnnouncer,
    NoticeLimiter,
    Skip,
)
from vocu_discord.settings import GuildSettings, UserSettings

READ_CHANNEL = 10
VOICE_CHANNEL = 20
OTHER_CHANNEL = 30
ROLE = 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def message(**changes: object) -> IncomingMessage:
    fields: dict[str, object] = {
        "guild_id": 1,
        "channel_id": READ_CHANNEL,
        "author_id": 7,
        "content": "hello",
        "author_voice_channel_id": VOICE_CHANNEL,
    }
    fields.update(changes)
    return IncomingMessage(**fields)  # type: ignore[arg-type]


GUILD = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,))
USER = UserSettings(guild_id=1, user_id=7)


def decide(
    reader: AutoReader,
    msg: IncomingMessage | None = None,
    guild: GuildSettings = GUILD,
    user: UserSettings = USER,
    bot_channel: int | None = VOICE_CHANNEL,
):
    return reader.decide(msg or message(), guild, user, bot_voice_channel_id=bot_channel)


def test_reads_configured_channel() -> None:
    decision = decide(AutoReader())
    assert decision.speak and decision.join_channel_id is None


def test_ignores_other_channels() -> None:
    assert decide(AutoReader(), message(channel_id=OTHER_CHANNEL)).skip is Skip.NOT_A_READ_CHANNEL


def test_reads_the_voice_channels_own_chat_unless_disabled() -> None:
    assert decide(AutoReader(), message(channel_id=VOICE_CHANNEL)).speak
    no_voice_chat = GuildSettings(guild_id=1, read_voice_chat=False)
    assert not decide(AutoReader(), message(channel_id=VOICE_CHANNEL), no_voice_chat).speak


def test_bots_ignored_only_when_configured() -> None:
    assert decide(AutoReader(), message(author_is_bot=True)).skip is Skip.BOT_AUTHOR
    allow_bots = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,), ignore_bots=False)
    assert decide(AutoReader(), message(author_is_bot=True), allow_bots).speak


def test_opted_out_user_is_not_read() -> None:
    opted_out = UserSettings(guild_id=1, user_id=7, autoread_opt_out=True)
    assert decide(AutoReader(), user=opted_out).skip is Skip.OPTED_OUT


def test_required_role() -> None:
    guild = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,), required_role_id=ROLE)
    assert decide(AutoReader(), guild=guild).skip is Skip.MISSING_ROLE
    assert decide(AutoReader(), message(author_role_ids=frozenset({ROLE})), guild).speak


def test_not_in_voice_without_auto_join() -> None:
    assert decide(AutoReader(), bot_channel=None).skip is Skip.NOT_IN_VOICE


def test_auto_join_targets_the_authors_voice_channel() -> None:
    guild = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,), auto_join=True)
    decision = decide(AutoReader(), guild=guild, bot_channel=None)
    assert decision.speak and decision.join_channel_id == VOICE_CHANNEL
    lonely = message(author_voice_channel_id=None)
    assert decide(AutoReader(), lonely, guild, bot_channel=None).skip is Skip.NOT_IN_VOICE


def test_empty_message_without_attachments_is_skipped() -> None:
    assert decide(AutoReader(), message(content="  ")).skip is Skip.EMPTY
    assert decide(AutoReader(), message(content="", attachments=("a.png",))).speak


def test_cooldown_per_user() -> None:
    clock = Clock()
    reader = AutoReader(clock)
    guild = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,), cooldown_seconds=5)
    assert decide(reader, guild=guild).speak
    clock.now += 4.9
    assert decide(reader, guild=guild).skip is Skip.COOLDOWN
    assert decide(reader, message(author_id=8), guild).speak  # someone else is not throttled
    clock.now += 0.2
    assert decide(reader, guild=guild).speak


def test_announce_skips_same_speaker_within_60_seconds() -> None:
    clock = Clock()
    announcer = NameAnnouncer(clock)
    assert announcer.prefix(1, 7, "Alice") == "Alice said, "
    clock.now += 30
    assert announcer.prefix(1, 7, "Alice") == ""
    assert announcer.prefix(2, 7, "Alice") == "Alice said, "  # other guild
    assert announcer.prefix(1, 8, "Bob") == "Bob said, "
    assert announcer.prefix(1, 7, "Alice") == "Alice said, "  # someone spoke in between
    clock.now += 59.9
    assert announcer.prefix(1, 7, "Alice") == ""
    clock.now += 60
    assert announcer.prefix(1, 7, "Alice") == "Alice said, "


@pytest.mark.parametrize("kind", ["no_credits", "budget_exhausted"])
def test_one_notice_per_kind_per_channel_per_hour(kind: str) -> None:
    clock = Clock()
    limiter = NoticeLimiter(clock)
    assert limiter.allow(10, kind)
    assert not limiter.allow(10, kind)
    assert limiter.allow(11, kind)
    assert limiter.allow(10, "text_too_long")
    clock.now += 3599
    assert not limiter.allow(10, kind)
    clock.now += 2
    assert limiter.allow(10, kind)


def test_members_outside_the_bots_voice_channel_are_not_read_unless_allowed() -> None:
    elsewhere = message(author_voice_channel_id=OTHER_CHANNEL)
    assert decide(AutoReader(), elsewhere).skip is Skip.NOT_WITH_BOT
    assert decide(AutoReader(), message(author_voice_channel_id=None)).skip is Skip.NOT_WITH_BOT
    everyone = GuildSettings(
        guild_id=1, autoread_channel_ids=(READ_CHANNEL,), voice_members_only=False
    )
    assert decide(AutoReader(), elsewhere, guild=everyone).speak


def test_cooldown_turns_are_shared_with_commands() -> None:
    clock = Clock()
    reader = AutoReader(clock)
    cooled = GuildSettings(guild_id=1, autoread_channel_ids=(READ_CHANNEL,), cooldown_seconds=10)
    assert reader.take_turn(1, 7, 10)  # e.g. a /tts say
    assert decide(reader, guild=cooled).skip is Skip.COOLDOWN
    clock.now += 10
    assert decide(reader, guild=cooled).speak


def test_per_member_and_per_channel_maps_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vocu_discord.autoread.MAX_TRACKED", 50)
    clock = Clock()
    reader, limiter, idle = AutoReader(clock), NoticeLimiter(clock), IdleNotices()
    for n in range(500):
        clock.now += 1
        assert reader.take_turn(1, n, 5)
        assert limiter.allow(n, "not_in_voice")
        assert idle.first_time(n, 1)
    assert len(reader._last_spoken) <= 50
    assert len(limiter._sent) <= 50
    assert len(idle._told) <= 50
    assert not reader.take_turn(1, 499, 5)  # the recent ones are kept


def test_idle_notices_once_per_channel_until_joined() -> None:
    idle = IdleNotices()
    assert idle.first_time(1, 10) and not idle.first_time(1, 10)
    assert idle.first_time(1, 11) and idle.first_time(2, 10)
    idle.joined(1)
    assert idle.first_time(1, 10) and not idle.first_time(2, 10)
