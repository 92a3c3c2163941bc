"""The relay that lets Lavalink nodes fetch audio from services without key-free URLs (Noiz):
unguessable, expiring, fetchable again and with Range while it lives, served as it arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest
from vocu_discord.audio_relay import AudioRelay

AUDIO = bytes(range(256)) * 40  # 10,240 bytes


async def _slow_stream(chunks: list[bytes], gate: asyncio.Event) -> AsyncIterator[bytes]:
    for chunk in chunks:
        await gate.wait()
        yield chunk


@pytest.fixture
async def relay() -> AsyncIterator[AudioRelay]:
    running = AudioRelay(host="127.0.0.1", port=0, ttl=60)
    await running.start()
    try:
        yield running
    finally:
        await running.aclose()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_first_get_streams_while_the_service_still_sends_then_gets_repeat(
    relay: AudioRelay, http: aiohttp.ClientSession
) -> None:
    gate = asyncio.Event()
    url, clip = relay.offer(AUDIO[:1000], _slow_stream([AUDIO[1000:5000], AUDIO[5000:]], gate))
    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "audio/mpeg"
        assert await response.content.readexactly(1000) == AUDIO[:1000]  # before the rest came
        gate.set()
        assert await response.content.read() == AUDIO[1000:]
    for _ in range(2):  # probe, play, replay after a voice drop: all within the expiry
        async with http.get(url) as again:
            assert again.status == 200 and again.content_length == len(AUDIO)
            assert await again.read() == AUDIO
    assert clip.fetches == 3


async def test_range_requests_are_answered_with_206(
    relay: AudioRelay, http: aiohttp.ClientSession
) -> None:
    gate = asyncio.Event()
    gate.set()
    url, _ = relay.offer(AUDIO[:10], _slow_stream([AUDIO[10:]], gate))
    async with http.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status == 206
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(AUDIO)}"
        assert await part.read() == AUDIO[100:200]
    async with http.get(url, headers={"Range": "bytes=10000-"}) as tail:
        assert tail.status == 206 and await tail.read() == AUDIO[10000:]
    async with http.get(url, headers={"Range": f"bytes={len(AUDIO)}-"}) as beyond:
        assert beyond.status == 416


async def test_urls_are_unguessable_and_expire(http: aiohttp.ClientSession) -> None:
    relay = AudioRelay(host="127.0.0.1", port=0, ttl=0.5, public_url="http://bot.example:9/")
    await relay.start()
    try:
        gate = asyncio.Event()
        gate.set()
        first, _ = relay.offer(AUDIO, _slow_stream([], gate))
        second, _ = relay.offer(AUDIO, _slow_stream([], gate))
        assert first.startswith("http://bot.example:9/relay/")  # what the nodes reach
        tokens = [
            urlsplit(u).path.removeprefix("/relay/").removesuffix(".mp3") for u in (first, second)
        ]
        assert tokens[0] != tokens[1] and all(len(token) >= 43 for token in tokens)  # 256 bits
        local = f"http://127.0.0.1:{relay.port}"
        async with http.get(f"{local}/relay/{tokens[0]}.mp3") as alive:
            assert alive.status == 200
        async with http.get(f"{local}/relay/{tokens[0][:-1]}x.mp3") as guessed:
            assert guessed.status == 404
        await asyncio.sleep(0.7)
        async with http.get(f"{local}/relay/{tokens[0]}.mp3") as expired:
            assert expired.status == 404
        assert relay.clips == 0  # expired clips are dropped (files closed), fetched or not
    finally:
        await relay.aclose()


async def test_a_stream_that_breaks_ends_the_clip_where_it_broke(
    relay: AudioRelay, http: aiohttp.ClientSession
) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield AUDIO[100:200]
        raise aiohttp.ClientPayloadError("cut")

    url, clip = relay.offer(AUDIO[:100], broken())
    async with http.get(url) as response:
        assert await response.read() == AUDIO[:200]
    assert clip.complete
