"""One client journey, run against the emulator in our reading and with every other reading on.

A real account must work whichever reading of the docs is right: speaking short (GET) and
language-tagged (POST) text, a stream URL, a job, voices, templates, presets and the account,
through a server move, with each billed request billed exactly once.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from vocu_client import Deadline, SynthesisOptions
from vocu_client.errors import InsufficientCreditsError, RateLimitError, ServiceTimeoutError
from vocu_emulator import seed

from .conftest import ClientFactory, requests_to

SIMPLE = "/api/tts/simple-generate"
EVERY_OTHER_READING = {
    "direct_stream": "other",
    "get_auth": "other",
    "credit_403": "other",
    "redirect": "other",
    "quota_wait": "other",
    "noiz_voices": "other",
    "quota_wait_scale": 0.3 / 330,
}


@pytest.fixture(params=["ours", "other"])
def reading(request: pytest.FixtureRequest, vocu_emulator: Any) -> str:
    if request.param == "other":
        vocu_emulator.set_readings(**EVERY_OTHER_READING)
    return str(request.param)


def localhost(emulator: Any) -> str:
    return emulator.base_url.replace("127.0.0.1", "localhost")


async def test_the_client_journey_survives_either_reading(
    vocu_emulator: Any, make_client: ClientFactory, reading: str
) -> None:
    client = make_client(trusted_hosts=[localhost(vocu_emulator)])
    before = vocu_emulator.state.account(seed.PAID_TOKEN).balance
    texts = ["Short and sweet.", "Avec une langue.", "A signed link."]

    assert (await client.synthesize(texts[0], seed.BOB_ID))[:3] == b"ID3"
    french = SynthesisOptions(language="fr-fr")
    assert (await client.synthesize(texts[1], seed.BOB_ID, french))[:3] == b"ID3"
    result = await client.create_stream_url(texts[2], seed.BOB_ID)
    assert (await client.download(result.playable_url or ""))[:3] == b"ID3"

    spent = sum(map(len, texts))  # the ledger: each text billed exactly once
    assert vocu_emulator.state.account(seed.PAID_TOKEN).balance == before - spent
    if reading == "other":
        hosts = {r.headers.get("Host", "")[:9] for r in requests_to(vocu_emulator, SIMPLE)}
        assert hosts == {"127.0.0.1", "localhost"}  # the server move was followed

    assert {v.id for v in await client.list_voices()} >= {seed.ALICE_ID, seed.BOB_ID}
    account = await client.get_account()
    assert account.credits == before - spent
    assert {p.key for p in await client.list_presets()} >= {"balance", "stable"}
    template = await client.create_template(
        "T", [{"type": "text", "voiceId": seed.BOB_ID, "text": "Hi"}], "About T"
    )
    assert (await client.get_template(template.id)).description == "About T"
    job = await client.create_job("Queued.", seed.BOB_ID)
    done = await client.wait_for_job(job.id, timeout=20, initial_interval=0.05)
    assert (await client.download(done.audio_url or ""))[:3] == b"ID3"


async def test_out_of_credits_is_clear_in_either_reading(
    vocu_emulator: Any, make_client: ClientFactory, reading: str
) -> None:
    client = make_client(seed.LOW_CREDIT_TOKEN, trusted_hosts=[localhost(vocu_emulator)])
    with pytest.raises(InsufficientCreditsError):
        await client.synthesize("x" * 40, seed.BOB_ID)


async def test_over_the_quota_ends_in_a_rate_limit_in_either_reading(
    vocu_emulator: Any, make_client: ClientFactory, reading: str
) -> None:
    """Over the concurrency quota: 429 at once, or after the (scaled) documented 330 s wait."""
    vocu_emulator.state.set_quota(seed.PAID_TOKEN, syncBaseConcurrent=0, syncPaidConcurrent=0)
    vocu_emulator.set_pacing(first_byte_delay=0.0, chunk_interval=1.0, chunk_bytes=64)
    client = make_client(trusted_hosts=[localhost(vocu_emulator)])
    async with client.stream_speech("Holding the only slot for a while.", seed.BOB_ID):
        with pytest.raises(RateLimitError):
            await client.synthesize("Second.", seed.BOB_ID)
    assert len(requests_to(vocu_emulator, f"{SIMPLE}.mp3")) >= 2


async def test_the_unscaled_330_s_wait_is_cut_by_the_callers_deadline(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    """quota_wait=other at full length: a caller's first-byte limit ends the call, not 330 s."""
    vocu_emulator.set_readings(quota_wait="other")
    vocu_emulator.state.set_quota(seed.PAID_TOKEN, syncBaseConcurrent=0, syncPaidConcurrent=0)
    vocu_emulator.set_pacing(first_byte_delay=0.0, chunk_interval=1.0, chunk_bytes=64)
    client = make_client()
    started = time.monotonic()
    async with client.stream_speech("Holding the only slot for a while.", seed.BOB_ID):
        with pytest.raises(ServiceTimeoutError):
            await client.synthesize(
                "Second.", seed.BOB_ID, deadline=Deadline(total=30.0, first_byte=1.0)
            )
    assert time.monotonic() - started < 20  # generous: a loaded CI machine
