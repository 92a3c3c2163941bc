"""Seeded accounts and voices, envelopes, headers and auth."""

from __future__ import annotations

import uuid

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import (
    ALICE_ID,
    BOB_ID,
    CHEERFUL_STYLE_ID,
    CREATING_ID,
    FAILED_ID,
    FREE_TOKEN,
    LORA_PENDING_ID,
    MARKET_ID,
    PAID_EMAIL,
    PAID_TOKEN,
    PAID_USER_ID,
)

from .conftest import auth


async def test_account_info_answers_under_user(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(vocu_emulator.url("/api/account/info"), headers=auth()) as resp:
        body = await resp.json()
        assert resp.status == 200
        uuid.UUID(resp.headers["X-Vocu-App-Request-Id"])
    assert "data" not in body
    user = body["user"]
    assert user["id"] == PAID_USER_ID
    assert user["email"] == PAID_EMAIL
    assert user["phone"]
    assert user["isPaid"] is True
    assert user["credit"] == 100_000
    assert user["bonusCredit"] == 500
    assert user["quota"]["syncBaseConcurrent"] + user["quota"]["syncPaidConcurrent"] == 4


async def test_unknown_key_is_401_with_error_body(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(vocu_emulator.url("/api/voice"), headers=auth("sk-nope")) as resp:
        body = await resp.json()
        assert resp.status == 401
        request_id = resp.headers["X-Vocu-App-Request-Id"]
    assert body == {
        "status": 401,
        "code": "AUTH_UNAUTHORIZED",
        "message": body["message"],
        "requestId": request_id,
    }
    async with http.get(vocu_emulator.url("/api/voice")) as resp:
        assert resp.status == 401


async def test_voice_list_hides_lora_and_market_by_default(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async def ids(query: str) -> list[str]:
        async with http.get(vocu_emulator.url(f"/api/voice{query}"), headers=auth()) as resp:
            body = await resp.json()
        assert body["status"] == 200
        assert body["message"] == "OK"
        return [voice["id"] for voice in body["data"]]

    assert await ids("") == [ALICE_ID, BOB_ID, CREATING_ID, FAILED_ID]
    assert (await ids("?showMarket=true"))[:1] == [MARKET_ID]
    assert LORA_PENDING_ID in await ids("?show=full")
    assert await ids("?from=market") == [MARKET_ID]
    assert MARKET_ID not in await ids("?from=upload&showMarket=true")


async def test_voice_details_and_deprecated_alias(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    for prefix in ("/api/voice", "/api/tts/voice"):
        async with http.get(vocu_emulator.url(f"{prefix}/{ALICE_ID}"), headers=auth()) as resp:
            voice = (await resp.json())["data"]
        assert voice["name"] == "Alice"
        assert voice["status"] == "pending"
        assert [p["id"] for p in voice["metadata"]["prompts"]] == ["default", CHEERFUL_STYLE_ID]
    async with http.get(vocu_emulator.url(f"/api/voice/{MARKET_ID}"), headers=auth()) as resp:
        market = (await resp.json())["data"]
    assert market["from"] == "market"
    assert market["name"] == "Xiaoyu"


async def test_every_account_has_the_seeded_voices(vocu_emulator: EmulatorHandle) -> None:
    free = vocu_emulator.state.account(FREE_TOKEN)
    assert free.is_paid is False
    assert set(free.voices) == set(vocu_emulator.state.account(PAID_TOKEN).voices)


async def test_unknown_route_is_a_json_404(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(vocu_emulator.url("/api/nothing-here"), headers=auth()) as resp:
        assert resp.status == 404
        assert (await resp.json())["code"] == "RESOURCE_NOT_FOUND"
