"""The loopback gateway keeps Discord's sharding rules, so a login-spacing test can fail.

Driven by a bare websocket client, not the bot: these are the stand-in's own rules.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from loopback_discord import LoopbackDiscord, w
from loopback_discord.gateway import INVALID_SESSION, RATE_LIMITED


async def _identify(
    session: aiohttp.ClientSession, loopback: LoopbackDiscord, shard: list[int]
) -> tuple[aiohttp.ClientWebSocketResponse, list[dict[str, Any]]]:
    """Connect, IDENTIFY as ``shard``; what came back until READY's guilds or the close."""
    socket = await session.ws_connect(loopback.gateway.url)
    hello = await socket.receive_json(timeout=10)
    assert hello["op"] == 10
    await socket.send_json({"op": 2, "d": {"token": w.BOT_TOKEN, "intents": 0, "shard": shard,
                                           "properties": {}}})  # fmt: skip
    received: list[dict[str, Any]] = []
    while True:
        message = await socket.receive(timeout=10)
        if message.type is not aiohttp.WSMsgType.TEXT:
            return socket, received
        received.append(message.json())
        ready = next((m for m in received if m.get("t") == "READY"), None)
        creates = [m for m in received if m.get("t") == "GUILD_CREATE"]
        if ready is not None and len(creates) == len(ready["d"]["guilds"]):
            return socket, received


def _guild_ids(received: list[dict[str, Any]]) -> set[int]:
    return {int(m["d"]["id"]) for m in received if m.get("t") == "GUILD_CREATE"}


async def test_gateway_bot_tells_shards_and_concurrency(loopback: LoopbackDiscord) -> None:
    loopback.gateway.recommended_shards = 4
    loopback.gateway.max_concurrency = 2
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{loopback.base_url}/api/v10/gateway/bot") as answer,
    ):
        body = await answer.json()
    assert body["shards"] == 4
    assert body["session_start_limit"]["max_concurrency"] == 2
    assert body["url"] == loopback.gateway.url


async def test_each_shard_gets_its_guilds_and_a_second_login_too_soon_is_closed(
    loopback: LoopbackDiscord,
) -> None:
    gateway = loopback.gateway
    gateway.identify_interval = 2.0
    gateway.max_concurrency = 1
    on_shard_0 = w.guild_on_shard(0, 2)
    loopback.world.add_guild(on_shard_0)
    assert w.shard_of(w.GUILD_ID, 2) == 1
    async with aiohttp.ClientSession() as session:
        first, got_first = await _identify(session, loopback, [0, 2])
        assert _guild_ids(got_first) == {on_shard_0}  # shard 0's guild only

        # Same bucket (max_concurrency 1), inside the window: Discord invalidates and closes.
        second, got_second = await _identify(session, loopback, [1, 2])
        assert [m["op"] for m in got_second] == [INVALID_SESSION]
        assert got_second[0]["d"] is False
        assert second.close_code == RATE_LIMITED
        assert _guild_ids(got_second) == set()

        await asyncio.sleep(2.0)  # the window has passed: the same login is accepted
        third, got_third = await _identify(session, loopback, [1, 2])
        assert _guild_ids(got_third) == {w.GUILD_ID}
        for socket in (first, third):
            await socket.close()
    assert [(r.shard_id, r.accepted) for r in gateway.identifies] == [
        (0, True), (1, False), (1, True)
    ]  # fmt: skip


async def test_other_buckets_may_log_in_at_once(loopback: LoopbackDiscord) -> None:
    loopback.gateway.identify_interval = 60.0
    loopback.gateway.max_concurrency = 2  # shards 0 and 1: buckets 0 and 1
    async with aiohttp.ClientSession() as session:
        first, _ = await _identify(session, loopback, [0, 4])
        second, got = await _identify(session, loopback, [1, 4])
        assert any(m.get("t") == "READY" for m in got)
        third, refused = await _identify(session, loopback, [2, 4])  # bucket 0 again
        assert third.close_code == RATE_LIMITED
        assert [m["op"] for m in refused] == [INVALID_SESSION]
        for socket in (first, second):
            await socket.close()
