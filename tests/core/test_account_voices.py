"""Account, presets, voices, styles and share import against the emulator."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from vocu_client import VocuClient, errors
from vocu_emulator import seed

from .conftest import requests_to

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)


async def test_account_is_read_from_the_user_envelope(client: VocuClient) -> None:
    account = await client.get_account()
    assert account.user_id == seed.PAID_USER_ID
    assert account.is_paid is True
    assert account.credits == seed.PAID_CREDIT + seed.PAID_BONUS
    assert account.quota.sync_concurrency == 4


async def test_presets_are_listed(client: VocuClient) -> None:
    presets = await client.list_presets()
    assert {"balance", "creative", "stable"} <= {p.key.split("_")[-1] for p in presets}
    assert all(p.name for p in presets)


async def test_list_voices_asks_for_market_voices_and_hides_training(
    client: VocuClient, vocu_emulator: Any
) -> None:
    voices = await client.list_voices()
    ids = [v.id for v in voices]
    assert ids[0] == seed.MARKET_ID  # purchased market voices first
    assert seed.ALICE_ID in ids and seed.LORA_PENDING_ID not in ids
    assert requests_to(vocu_emulator, "/api/voice")[-1].query["showMarket"] == "true"
    alice = next(v for v in voices if v.id == seed.ALICE_ID)
    assert [s.id for s in alice.styles][:1] == ["default"]
    assert alice.style(seed.CHEERFUL_STYLE_ID) is not None


async def test_list_voices_full_and_without_market(client: VocuClient) -> None:
    full = [v.id for v in await client.list_voices(show_full=True)]
    assert seed.LORA_PENDING_ID in full
    own = [v.id for v in await client.list_voices(include_market=False)]
    assert seed.MARKET_ID not in own


async def test_get_voice_including_market_id(client: VocuClient) -> None:
    bob = await client.get_voice(seed.BOB_ID)
    assert (bob.name, bob.usable) == ("Bob", True)
    market = await client.get_voice(seed.MARKET_ID)
    assert market.is_market and market.name == "Xiaoyu"
    with pytest.raises(errors.NotFoundError) as caught:
        await client.get_voice("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404 and caught.value.code and caught.value.request_id


async def test_create_voice_sends_a_data_url_and_waits_until_usable(
    client: VocuClient, vocu_emulator: Any
) -> None:
    voice = await client.create_voice(
        "Zoe", WAV, language="en-us", description="test", vocal_filter=False
    )
    assert voice.status == "creating" and not voice.usable
    body = requests_to(vocu_emulator, "/api/voice", "POST")[-1].json
    assert body["name"] == "Zoe" and body["vocalFilter"] is False and body["language"] == "en-us"
    assert str(body["prompt"]).startswith("data:audio/wav;base64,")
    seen: list[str] = []
    ready = await client.wait_for_voice(
        voice.id, timeout=10, poll_interval=0.05, on_progress=lambda v: seen.append(v.status)
    )
    assert ready.usable and seen[0] == "creating" and seen[-1] == ready.status


async def test_wait_for_voice_reports_failure_and_timeout(client: VocuClient) -> None:
    with pytest.raises(errors.VoiceNotReadyError) as failed:
        await client.wait_for_voice(seed.FAILED_ID, timeout=5, poll_interval=0.01)
    assert failed.value.voice_status == "failed"
    with pytest.raises(errors.VoiceNotReadyError) as timed_out:
        await client.wait_for_voice(seed.CREATING_ID, timeout=0.05, poll_interval=0.02)
    assert timed_out.value.voice_status == "creating"


async def test_create_voice_rejects_empty_input_before_sending(
    client: VocuClient, vocu_emulator: Any
) -> None:
    with pytest.raises(errors.ValidationError):
        await client.create_voice("  ", WAV)
    with pytest.raises(errors.ValidationError):
        await client.create_voice("Name", b"")
    assert not requests_to(vocu_emulator, "/api/voice", "POST")


async def test_update_avatar_styles_transcript_and_delete(client: VocuClient) -> None:
    renamed = await client.update_voice(seed.BOB_ID, name="Robert", description="new")
    assert renamed.name == "Robert" and renamed.description == "new"
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    with_avatar = await client.set_voice_avatar(seed.BOB_ID, png)
    assert with_avatar.avatar
    styled = await client.add_style(seed.BOB_ID, "Calm", WAV, description="slow")
    new_style = next(s for s in styled.styles if s.name == "Calm")
    transcript = await client.get_style_transcript(seed.BOB_ID, new_style.id)
    assert transcript is None or isinstance(transcript, str)
    after = await client.delete_style(seed.BOB_ID, new_style.id)
    assert after.style(new_style.id) is None
    await client.delete_voice(seed.BOB_ID)
    with pytest.raises(errors.NotFoundError):
        await client.get_voice(seed.BOB_ID)


async def test_import_shared_voice_returns_the_new_id(client: VocuClient) -> None:
    voice_id = await client.import_shared_voice(seed.SHARE_ID)
    voice = await client.get_voice(voice_id)
    assert voice.name == seed.SHARED_VOICE_NAME
    with pytest.raises(errors.NotFoundError):
        await client.import_shared_voice("share-unknown")


async def test_injected_session_is_used_and_left_open(vocu_emulator: Any) -> None:
    async with aiohttp.ClientSession() as session:
        client = VocuClient(seed.PAID_TOKEN, session=session, base_url=vocu_emulator.base_url)
        await client.get_account()
        await client.close()
        assert not session.closed
        async with VocuClient(
            seed.PAID_TOKEN, session=session, base_url=vocu_emulator.base_url
        ) as again:
            assert (await again.get_account()).user_id == seed.PAID_USER_ID
        assert not session.closed


async def test_owned_session_is_closed_and_reopened_on_use(vocu_emulator: Any) -> None:
    async with VocuClient(seed.PAID_TOKEN, base_url=vocu_emulator.base_url) as client:
        await client.get_account()
    await client.get_account()  # a closed owned client reopens rather than failing obscurely
    await client.close()
