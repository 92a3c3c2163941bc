"""Asynchronous jobs move pending → processing → generated and then carry audio URLs."""

from __future__ import annotations

import asyncio
import io

import aiohttp
from mutagen.mp3 import MP3
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID, BOB_ID, FREE_TOKEN, PAID_TOKEN

from .conftest import auth

CONTENTS = [
    {"voiceId": ALICE_ID, "text": "First part, by Alice.", "promptId": "default"},
    {"voiceId": BOB_ID, "text": "Second part, by Bob.", "junk": True},
]


async def create(
    http: aiohttp.ClientSession, emu: EmulatorHandle, body: dict, token: str = PAID_TOKEN
) -> tuple[int, dict]:
    async with http.post(emu.url("/api/tts/generate"), json=body, headers=auth(token)) as resp:
        return resp.status, await resp.json()


async def get(http: aiohttp.ClientSession, emu: EmulatorHandle, job_id: str) -> dict:
    async with http.get(emu.url(f"/api/tts/generate/{job_id}"), headers=auth()) as resp:
        return (await resp.json())["data"]


async def test_job_progresses_and_yields_audio(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_pacing(job_step=0.3)
    status, body = await create(http, vocu_emulator, {"contents": CONTENTS, "srt": False})
    assert status == 200
    job = body["data"]
    assert job["status"] == "pending"
    assert job["metadata"]["characters"] == sum(len(c["text"]) for c in CONTENTS)
    assert "junk" not in job["metadata"]["contents"][1]  # unknown keys are dropped
    seen = [job["status"]]
    while job["status"] != "generated":
        await asyncio.sleep(0.05)
        job = await get(http, vocu_emulator, job["id"])
        if job["status"] != seen[-1]:
            seen.append(job["status"])
    assert seen == ["pending", "processing", "generated"]
    segment_lengths = []
    for segment in job["metadata"]["contents"]:
        async with http.get(segment["audio"]) as resp:
            segment_lengths.append(MP3(io.BytesIO(await resp.read())).info.length)
    async with http.get(job["metadata"]["audio"]) as resp:
        merged = MP3(io.BytesIO(await resp.read())).info.length
    assert abs(merged - sum(segment_lengths)) < 0.3


async def test_free_account_can_use_jobs(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    status, _ = await create(http, vocu_emulator, {"contents": CONTENTS}, FREE_TOKEN)
    assert status == 200


async def test_job_validation(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    cases = [
        (
            {"contents": [{"voiceId": ALICE_ID, "text": "Hi", "language": "en"}]},
            400,
            "TTS_CONTENTS_INVALID",
        ),
        ({"contents": [{"voiceId": ALICE_ID, "text": ""}]}, 400, "TTS_TEXT_EMPTY"),
        ({"contents": CONTENTS, "text": "x", "splitterId": "s"}, 400, "VALIDATION_CONFLICT"),
        ({"contents": [{"voiceId": "missing", "text": "Hi"}]}, 404, "VOICE_NOT_FOUND"),
    ]
    for body, status, code in cases:
        got_status, answer = await create(http, vocu_emulator, body)
        assert (got_status, answer["code"]) == (status, code), body


async def test_list_is_newest_first_with_paging_and_status(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_pacing(job_step=60)
    ids = [
        (await create(http, vocu_emulator, {"contents": CONTENTS}))[1]["data"]["id"]
        for _ in range(3)
    ]
    url = vocu_emulator.url("/api/tts/generate")
    async with http.get(url, params={"limit": 2, "offset": 0}, headers=auth()) as resp:
        first = [job["id"] for job in (await resp.json())["data"]]
    async with http.get(url, params={"limit": 2, "offset": 2}, headers=auth()) as resp:
        second = [job["id"] for job in (await resp.json())["data"]]
    assert first + second == ids[::-1]
    vocu_emulator.state.set_job_status(ids[0], "generated")
    async with http.get(url, params={"status": "generated"}, headers=auth()) as resp:
        assert [job["id"] for job in (await resp.json())["data"]] == [ids[0]]


async def test_delete_refused_while_running(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.set_pacing(job_step=60)
    job_id = (await create(http, vocu_emulator, {"contents": CONTENTS}))[1]["data"]["id"]
    url = vocu_emulator.url(f"/api/tts/generate/{job_id}")
    async with http.delete(url, headers=auth()) as resp:
        assert (resp.status, (await resp.json())["code"]) == (403, "GENERATE_DELETE_IN_PROGRESS")
    vocu_emulator.state.set_job_status(job_id, "generated")
    async with http.delete(url, headers=auth()) as resp:
        assert await resp.json() == {"status": 200, "message": "OK"}
    async with http.get(url, headers=auth()) as resp:
        assert (resp.status, (await resp.json())["code"]) == (404, "GENERATE_NOT_FOUND")


async def test_jobs_freeze_credits(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    vocu_emulator.state.set_credits(PAID_TOKEN, 10)
    status, body = await create(http, vocu_emulator, {"contents": CONTENTS})
    assert (status, body["code"]) == (403, "BILLING_INSUFFICIENT_CREDIT")
