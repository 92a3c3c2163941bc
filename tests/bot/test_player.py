"""GuildPlayer end to end: real client, emulator on loopback, real FFmpeg, recording voice."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import discord
import pytest
from mutagen.mp3 import MP3
from vocu_client import errors
from vocu_client.models import GenerationResult
from vocu_client.providers import VoiceProvider
from vocu_discord.audio import StreamSourceFactory
from vocu_discord.player import GuildPlayer, PlayerRegistry, SpeechItem
from vocu_discord.recording import RecordingVoiceClient
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.pytest_plugin import EmulatorHandle

# Opus output carries the encoder's pre-skip and MP3 its own delay/padding: allow a few frames.
DURATION_TOLERANCE = 0.12
WAIT = 60.0

TEXTS = [
    "The first message, read aloud.",
    "A second message follows the first one.",
    "Number three closes the little queue.",
]


class Outcomes:
    """Collects on_played / on_error calls and lets a test wait until N items are done."""

    def __init__(self) -> None:
        self.played: list[tuple[SpeechItem, GenerationResult | None]] = []
        self.failed: list[tuple[SpeechItem, Exception]] = []
        self.dropped: list[tuple[SpeechItem, str, bool]] = []
        self.order: list[tuple[str, SpeechItem]] = []
        self._changed = asyncio.Event()

    async def on_played(self, item: SpeechItem, result: GenerationResult | None) -> None:
        self.played.append((item, result))
        self.order.append(("played", item))
        self._changed.set()

    async def on_error(self, item: SpeechItem, error: Exception) -> None:
        self.failed.append((item, error))
        self.order.append(("failed", item))
        self._changed.set()

    async def on_dropped(self, item: SpeechItem, reason: str, may_be_billed: bool) -> None:
        self.dropped.append((item, reason, may_be_billed))

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.order) < count:
                self._changed.clear()
                await self._changed.wait()


async def wait_until(condition: Callable[[], bool]) -> None:
    """Poll a condition that threads (the audio thread, FFmpeg) make true."""
    async with asyncio.timeout(WAIT):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


def item(text: str, label: str = "") -> SpeechItem:
    return SpeechItem(text=text, voice_id=seed.BOB_ID, label=label or text[:12])


def make_player(
    client: VoiceProvider,
    voice: RecordingVoiceClient,
    outcomes: Outcomes,
    **kwargs: object,
) -> tuple[GuildPlayer, StreamSourceFactory]:
    factory = StreamSourceFactory()
    player = GuildPlayer(
        client,
        voice,
        on_played=outcomes.on_played,
        on_error=outcomes.on_error,
        on_dropped=outcomes.on_dropped,
        source_factory=factory,
        **kwargs,  # type: ignore[arg-type]
    )
    return player, factory


async def mp3_duration(client: VoiceProvider, result: GenerationResult | None) -> float:
    assert result is not None and result.playable_url
    return MP3(io.BytesIO(await client.client.download(result.playable_url))).info.length


def assert_reaped(factory: StreamSourceFactory) -> None:
    assert factory.spawned_pids
    alive = [pid for pid in factory.spawned_pids if Path(f"/proc/{pid}").exists()]
    assert alive == [], "FFmpeg processes left behind (running or zombie)"


async def test_items_play_in_order_with_frames_matching_the_audio(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    player, factory = make_player(paid_client, recording_voice_client, outcomes)
    items = [item(text) for text in TEXTS]
    try:
        for queued in items:
            assert await player.enqueue(queued)
        await outcomes.wait_for(3)
    finally:
        await player.aclose()

    assert outcomes.failed == []
    assert [played for played, _ in outcomes.played] == items
    segments = recording_voice_client.segments
    assert len(segments) == 3
    for segment, (_, result) in zip(segments, outcomes.played, strict=True):
        expected = await mp3_duration(paid_client, result)
        assert expected > 0.5
        assert segment.duration == pytest.approx(expected, abs=DURATION_TOLERANCE)
        # 20 ms packets: the frame count follows the duration
        assert segment.frames == pytest.approx(expected / 0.020, abs=DURATION_TOLERANCE / 0.020)
        assert not segment.stopped and segment.error is None
    assert player.current is None and not player.is_playing
    assert_reaped(factory)


async def test_ffmpeg_never_sees_the_api_key(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    player, factory = make_player(paid_client, recording_voice_client, outcomes)
    try:
        await player.enqueue(item(TEXTS[0]))
        await outcomes.wait_for(1)
    finally:
        await player.aclose()

    assert len(factory.command_lines) == 1
    command = factory.command_lines[0]
    assert not any(seed.PAID_TOKEN in part for part in command)
    url = command[command.index("-i") + 1]
    assert url.startswith(vocu_emulator.base_url) and "auth=" in url  # signed, key-free URL
    # the only Authorization the emulator saw on the stream fetch is none at all
    stream_requests = [r for r in vocu_emulator.requests if r.path.startswith("/api/tts/stream/")]
    assert stream_requests and all("Authorization" not in r.headers for r in stream_requests)


async def test_next_item_is_prefetched_while_the_current_one_plays(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    realtime_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    requests_when_first_finished: list[str] = []

    async def on_played(played: SpeechItem, result: GenerationResult | None) -> None:
        if not outcomes.played:
            requests_when_first_finished.extend(
                f"{r.method} {r.path}" for r in vocu_emulator.requests
            )
        await outcomes.on_played(played, result)

    factory = StreamSourceFactory()
    player = GuildPlayer(
        paid_client, realtime_voice_client, on_played=on_played, source_factory=factory
    )
    first, second = item(TEXTS[1]), item(TEXTS[2])
    try:
        await player.enqueue(first)
        await player.enqueue(second)
        await outcomes.wait_for(2)
    finally:
        await player.aclose()

    generates = [r for r in requests_when_first_finished if r.endswith("/api/tts/simple-generate")]
    streams = [r for r in requests_when_first_finished if "/api/tts/stream/" in r]
    assert len(generates) == 2, requests_when_first_finished
    assert len(streams) == 2, "FFmpeg for the next item was already pulling its stream"
    kinds = [(event.kind, event.item) for event in player.timeline]
    assert kinds.index(("preparing", second)) < kinds.index(("finished", first))
    assert [played for played, _ in outcomes.played] == [first, second]
    assert_reaped(factory)


async def test_skip_stops_the_current_item_and_the_queue_moves_on(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    realtime_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    player, factory = make_player(paid_client, realtime_voice_client, outcomes)
    long_item = item(" ".join(TEXTS * 2), "long")
    after = item(TEXTS[0], "after")
    try:
        assert player.skip() is False  # nothing to skip yet
        await player.enqueue(long_item)
        await player.enqueue(after)
        await wait_until(
            lambda: (
                bool(realtime_voice_client.segments)
                and realtime_voice_client.segments[0].frames >= 5
            )
        )
        assert player.current is long_item
        assert player.skip() is True
        await outcomes.wait_for(2)
    finally:
        await player.aclose()

    first, second = realtime_voice_client.segments
    assert first.stopped and first.duration < 3.0
    assert not second.stopped and second.duration > 0.5
    assert [played for played, _ in outcomes.played] == [long_item, after]
    assert outcomes.failed == []
    assert outcomes.dropped == []  # it had started playing: on_played reports it
    assert_reaped(factory)


async def test_clear_drops_waiting_items_and_reaps_the_prefetched_ffmpeg(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    realtime_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    player, factory = make_player(paid_client, realtime_voice_client, outcomes)
    items = [item(text) for text in [*TEXTS, "And a fourth one."]]
    try:
        for queued in items:
            await player.enqueue(queued)
        await wait_until(lambda: bool(realtime_voice_client.segments))
        assert player.queue_snapshot() == items[1:]
        assert player.clear() == 3
        assert player.queue_snapshot() == []
        await outcomes.wait_for(1)
        await asyncio.sleep(0.3)  # nothing else may start
    finally:
        await player.aclose()

    assert [played for played, _ in outcomes.played] == items[:1]
    assert len(realtime_voice_client.segments) == 1
    # Every cleared item is reported; only the prefetched head may already have been billed.
    assert outcomes.dropped == [
        (items[1], "cleared", True),
        (items[2], "cleared", False),
        (items[3], "cleared", False),
    ]
    assert_reaped(factory)


@pytest.mark.parametrize(
    ("overflow", "accepted", "played"),
    [("drop_oldest", [True] * 4, [2, 3]), ("refuse", [True, True, False, False], [0, 1])],
)
async def test_overflow_policy(
    *,
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
    overflow: str,
    accepted: list[bool],
    played: list[int],
) -> None:
    outcomes = Outcomes()
    player, _ = make_player(
        paid_client, recording_voice_client, outcomes, max_queue=2, overflow=overflow
    )
    items = [item(f"Message number {n}.") for n in range(4)]
    try:
        # enqueue never yields to the loop, so all four arrive before playback takes the head
        assert [await player.enqueue(queued) for queued in items] == accepted
        assert player.queue_snapshot() == [items[n] for n in played]
        await outcomes.wait_for(2)
    finally:
        await player.aclose()
    assert [p for p, _ in outcomes.played] == [items[n] for n in played]
    pushed_out = [n for n in range(2) if n not in played] if overflow == "drop_oldest" else []
    # Pushed out before anything was requested for them: reported, and surely not billed.
    assert outcomes.dropped == [(items[n], "overflow", False) for n in pushed_out]


async def test_upstream_errors_reach_on_error_and_the_queue_continues(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    vocu_emulator.inject(Fault(method="POST", status=500, times=1))
    vocu_emulator.inject(
        Fault(method="POST", status=403, code="BILLING_INSUFFICIENT_CREDIT", times=1)
    )
    outcomes = Outcomes()
    player, _ = make_player(paid_client, recording_voice_client, outcomes)
    items = [item(text) for text in TEXTS]
    try:
        for queued in items:
            await player.enqueue(queued)
        await outcomes.wait_for(3)
    finally:
        await player.aclose()

    (first, server_error), (second, credit_error) = outcomes.failed
    assert (first, second) == (items[0], items[1])
    assert isinstance(server_error, errors.ServerError)
    assert isinstance(credit_error, errors.InsufficientCreditsError)
    assert [p for p, _ in outcomes.played] == [items[2]]
    assert len(recording_voice_client.segments) == 1


async def test_ffmpeg_failure_reaches_on_error_redacted_and_the_queue_continues(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    # the signed stream URL answers 500 (every retry FFmpeg makes): FFmpeg exits non-zero
    vocu_emulator.inject(Fault(path="/api/tts/stream/*", status=500, times=None))
    outcomes = Outcomes()
    player, factory = make_player(paid_client, recording_voice_client, outcomes)
    broken, fine = item(TEXTS[0]), item(TEXTS[1])
    try:
        await player.enqueue(broken)
        await outcomes.wait_for(1)
        vocu_emulator.clear_faults()
        await player.enqueue(fine)
        await outcomes.wait_for(2)
    finally:
        await player.aclose()

    assert [(i, type(e)) for i, e in outcomes.failed] == [(broken, discord.FFmpegProcessError)]
    message = str(outcomes.failed[0][1])
    assert "500" in message
    signed_url = factory.command_lines[0][factory.command_lines[0].index("-i") + 1]
    auth = signed_url.split("auth=", 1)[1]
    assert auth not in message and "REDACTED" in message
    assert [p for p, _ in outcomes.played] == [fine]
    assert_reaped(factory)


async def test_stream_cut_midway_does_not_stop_the_queue(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    vocu_emulator.set_pacing(chunk_bytes=1024)
    vocu_emulator.inject(Fault(path="/api/tts/stream/*", cut_after_bytes=3000, times=None))
    outcomes = Outcomes()
    player, factory = make_player(paid_client, recording_voice_client, outcomes)
    cut = item(" ".join(TEXTS), "cut")
    whole = item(TEXTS[0], "whole")
    try:
        await player.enqueue(cut)
        await outcomes.wait_for(1)
        vocu_emulator.clear_faults()
        await player.enqueue(whole)
        await outcomes.wait_for(2)
    finally:
        await player.aclose()

    first, second = recording_voice_client.segments
    full_length = await mp3_duration(
        paid_client, await paid_client.create_stream_url(cut.text, cut.voice_id)
    )
    # either reported, or audibly short: never the whole item, never silence for the rest
    cut_failed = [i for i, _ in outcomes.failed] == [cut]
    assert cut_failed or first.duration < full_length - 1.0
    assert outcomes.order[-1] == ("played", whole)
    assert second.duration > 0.5 and not second.stopped
    assert_reaped(factory)


async def test_aclose_stops_playback_and_reaps_every_ffmpeg(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    realtime_voice_client: RecordingVoiceClient,
) -> None:
    outcomes = Outcomes()
    player, factory = make_player(paid_client, realtime_voice_client, outcomes)
    try:
        for text in TEXTS:
            await player.enqueue(item(text))
        await wait_until(
            lambda: bool(realtime_voice_client.segments) and len(factory.spawned_pids) >= 2
        )
    finally:
        await player.aclose()

    assert player.closed and not player.is_playing
    assert await player.enqueue(item("too late")) is False
    assert realtime_voice_client.segments[0].stopped
    assert not realtime_voice_client.is_playing()
    assert_reaped(factory)


async def test_registry_keeps_one_player_per_guild(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
) -> None:
    registry = PlayerRegistry(paid_client, max_queue=3)
    first = await registry.create(1, recording_voice_client)
    assert registry.get(1) is first and 1 in registry and registry.get(2) is None
    replaced = await registry.create(1, recording_voice_client, overflow="refuse")
    assert first.closed and registry.get(1) is replaced and len(registry) == 1
    await registry.create(2, RecordingVoiceClient(realtime=False))
    await registry.remove(1)
    assert replaced.closed and registry.get(1) is None
    await registry.aclose_all()
    assert len(registry) == 0

    with pytest.raises(TypeError):
        await PlayerRegistry().create(3, recording_voice_client)
