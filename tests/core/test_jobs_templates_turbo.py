"""Async jobs, templates and the turbo WebSocket against the emulator."""

from __future__ import annotations

import io
from typing import Any

import mutagen.mp3
import pytest
from vocu_client import SynthesisOptions, VocuClient, errors
from vocu_emulator import seed
from vocu_emulator.faults import Fault

from .conftest import ClientFactory, requests_to


async def test_job_lifecycle(client: VocuClient, vocu_emulator: Any) -> None:
    job = await client.create_job(
        "An asynchronous sentence.", seed.BOB_ID, SynthesisOptions(language="en-us", speed=2.0)
    )
    assert job.id and job.status in ("pending", "processing")
    content = requests_to(vocu_emulator, "/api/tts/generate", "POST")[-1].json["contents"][0]
    assert content["type"] == "text" and content["voiceId"] == seed.BOB_ID
    assert content["speechRate"] == 0.5 and content["language"] == "en-us"
    assert (await client.get_job(job.id)).id == job.id
    done = await client.wait_for_job(job.id, timeout=20, initial_interval=0.05, max_interval=0.2)
    assert done.status == "generated" and done.audio_url and done.characters
    audio = await client.download(done.audio_url)
    assert mutagen.mp3.MP3(io.BytesIO(audio)).info.length > 0.1
    streaming = await client.get_job(job.id, stream=True)
    assert requests_to(vocu_emulator, f"/api/tts/generate/{job.id}")[-1].query["stream"] == "true"
    assert streaming.status == "generated"
    await client.delete_job(job.id)
    with pytest.raises(errors.NotFoundError):
        await client.get_job(job.id)


async def test_long_text_becomes_several_segments(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(max_chars_per_request=25)
    await client.create_job("First part of it. Second part of it. Third one.", seed.BOB_ID)
    contents = requests_to(vocu_emulator, "/api/tts/generate", "POST")[-1].json["contents"]
    assert [c["text"] for c in contents] == [
        "First part of it.",
        "Second part of it.",
        "Third one.",
    ]


async def test_deleting_a_running_job_is_refused(client: VocuClient, vocu_emulator: Any) -> None:
    job = await client.create_job("Still running.", seed.BOB_ID)
    vocu_emulator.state.set_job_status(job.id, "processing")
    with pytest.raises(errors.PermissionDeniedError):
        await client.delete_job(job.id)


async def test_failed_job_and_wait_timeout(client: VocuClient, vocu_emulator: Any) -> None:
    job = await client.create_job("Will fail.", seed.BOB_ID)
    vocu_emulator.state.set_job_status(job.id, "failed")
    with pytest.raises(errors.ServerError):
        await client.wait_for_job(job.id, timeout=5, initial_interval=0.01)
    stuck = await client.create_job("Stuck.", seed.BOB_ID)
    vocu_emulator.state.set_job_status(stuck.id, "processing")
    with pytest.raises(errors.ServiceTimeoutError):
        await client.wait_for_job(stuck.id, timeout=0.1, initial_interval=0.02)


async def test_list_and_iterate_jobs_page_by_page(client: VocuClient, vocu_emulator: Any) -> None:
    created = [(await client.create_job(f"Job number {i}.", seed.BOB_ID)).id for i in range(5)]
    page = await client.list_jobs(limit=2, offset=1)
    assert len(page) == 2
    listed = [job.id async for job in client.iter_jobs(page_size=2)]
    assert sorted(listed) == sorted(created)
    offsets = [r.query["offset"] for r in requests_to(vocu_emulator, "/api/tts/generate", "GET")]
    assert offsets[-3:] == ["0", "2", "4"]


async def test_free_accounts_create_jobs(make_client: ClientFactory) -> None:
    job = await make_client(seed.FREE_TOKEN).create_job("Free.", seed.BOB_ID)
    assert job.id


async def test_template_crud(client: VocuClient) -> None:
    contents = [{"voiceId": seed.BOB_ID, "text": "Good morning."}]
    template = await client.create_template("Morning", contents, description="daily")
    assert template.id and template.name == "Morning"
    assert (await client.get_template(template.id)).description == "daily"
    updated = await client.update_template(
        template.id, "Evening", [{"voiceId": seed.BOB_ID, "text": "Good night."}]
    )
    assert updated.name == "Evening"
    assert template.id in [t.id for t in await client.list_templates(limit=10)]
    await client.delete_template(template.id)
    with pytest.raises(errors.NotFoundError):
        await client.get_template(template.id)


async def test_turbo_yields_pcm_until_end_of_segment(client: VocuClient) -> None:
    channel = await client.open_turbo_channel(seed.BOB_ID)
    assert channel.id and channel.ws_url.startswith("ws") and channel.cancel_after > 0
    async with client.turbo(seed.BOB_ID) as turbo:
        first = b"".join([pcm async for pcm in turbo.synthesize("Hello from turbo.")])
        assert turbo.pcm_format["sampleRate"] > 0 and turbo.pcm_format["channels"] >= 1
        second = b"".join([pcm async for pcm in turbo.synthesize("Again.", "default")])
    assert len(first) > len(second) > 0
    assert len(first) % (turbo.pcm_format["bitDepth"] // 8) == 0


async def test_turbo_errors_and_refusals(client: VocuClient, vocu_emulator: Any) -> None:
    with pytest.raises(errors.VoiceNotReadyError):
        await client.open_turbo_channel(seed.CREATING_ID)
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 3)
    async with client.turbo(seed.BOB_ID) as turbo:
        with pytest.raises(errors.InsufficientCreditsError):
            async for _ in turbo.synthesize("More than three characters."):
                pass
        with pytest.raises(errors.ValidationError):
            async for _ in turbo.synthesize("  "):
                pass


async def test_turbo_channel_unknown_is_not_found(client: VocuClient, vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/api/tts/turbo/ws/*", status=404))
    with pytest.raises(errors.NotFoundError):
        async with client.turbo(seed.BOB_ID):
            pass
