"""The client against the emulator playing the *other* reading of each ambiguous doc.

Every test here failed before the client learned to read both answers; none makes a billed
request twice (the credit ledger of the emulator's account says so).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import mutagen.mp3
import pytest
from vocu_client import SynthesisOptions
from vocu_client.cli import main
from vocu_client.errors import AuthenticationError, InsufficientCreditsError, NotFoundError
from vocu_client.models import Job, Preset, Template
from vocu_client.providers import create_provider
from vocu_client.providers.noiz import tts_fields
from vocu_emulator import seed
from vocu_emulator.routes_noiz import noiz_state

from .conftest import FAST_RETRY, ClientFactory, requests_to

SIMPLE = "/api/tts/simple-generate"


def balance(emulator: Any, token: str = seed.PAID_TOKEN) -> float:
    return emulator.state.account(token).balance


# --- 1: POST direct_stream ignored: the JSON envelope's URL is fetched, nothing billed twice ---


async def test_json_envelope_to_a_direct_stream_post_is_followed_to_its_audio(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(direct_stream="other")
    text = "Bonjour, ceci est un test."
    before = balance(vocu_emulator)
    client = make_client()
    async with client.stream_speech(text, seed.ALICE_ID, SynthesisOptions(language="fr-fr")) as s:
        audio = b"".join([chunk async for chunk in s])
        assert s.result.stream_url and s.result.id
    assert mutagen.mp3.MP3(io.BytesIO(audio)).info.length > 0.1
    assert len(requests_to(vocu_emulator, SIMPLE, "POST")) == 1
    assert balance(vocu_emulator) == before - len(text)
    fetched = [r for r in vocu_emulator.requests if r.path.startswith("/api/tts/stream/")]
    assert len(fetched) == 1 and "Authorization" not in fetched[0].headers


def test_vocu_say_with_a_language_writes_the_mp3_with_one_billed_request(
    vocu_emulator: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    """The issue's acceptance test: `vocu say` with a language, direct_stream ignored."""
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    vocu_emulator.set_readings(direct_stream="other")
    before = balance(vocu_emulator)
    out = tmp_path / "fr.mp3"
    text = "Bonjour tout le monde."
    code = main(["say", text, "--voice", seed.BOB_ID, "--language", "fr-fr", "-o", str(out)])
    assert code == 0
    assert mutagen.mp3.MP3(out).info.length > 0.1
    assert len(requests_to(vocu_emulator, SIMPLE, "POST")) == 1
    assert balance(vocu_emulator) == before - len(text)


# --- 2: GET simple-generate that takes the key only as ?token= ---------------------------------


async def test_get_falls_back_to_the_token_query_once_and_remembers_it(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(get_auth="other")
    before = balance(vocu_emulator)
    client = make_client()
    first = await client.synthesize("Hello.", seed.BOB_ID)
    second = await client.synthesize("Again.", seed.BOB_ID)
    assert first[:3] == b"ID3" and second[:3] == b"ID3"
    gets = requests_to(vocu_emulator, f"{SIMPLE}.mp3", "GET")
    # header (401), token, then straight to the token: 3 requests, 2 billed.
    assert ["token" in r.query for r in gets] == [False, True, True]
    assert all(r.query["token"] == "<redacted>" for r in gets[1:])
    assert "Authorization" not in gets[2].headers
    assert balance(vocu_emulator) == before - len("Hello.") - len("Again.")
    # The header form stays first for a fresh client (memory is per client, in memory only).
    await make_client().synthesize("Third.", seed.BOB_ID)
    assert "token" not in requests_to(vocu_emulator, f"{SIMPLE}.mp3", "GET")[3].query


async def test_a_wrong_key_is_still_an_authentication_error(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(get_auth="other")
    client = make_client("sk-wrong-key-0123456789")
    with pytest.raises(AuthenticationError):
        await client.synthesize("Hello.", seed.BOB_ID)
    assert len(requests_to(vocu_emulator, f"{SIMPLE}.mp3", "GET")) == 2


# --- 5: 403 "Insufficient remaining credits" with no code ----------------------------------


@pytest.mark.parametrize("language", [None, "fr-fr"])  # the GET and the POST form
async def test_a_code_less_credit_403_is_insufficient_credits(
    vocu_emulator: Any, make_client: ClientFactory, language: str | None
) -> None:
    vocu_emulator.set_readings(credit_403="other")
    client = make_client(seed.LOW_CREDIT_TOKEN)
    with pytest.raises(InsufficientCreditsError) as caught:
        await client.synthesize("x" * 50, seed.BOB_ID, SynthesisOptions(language=language))
    assert caught.value.code is None and caught.value.status == 403
    assert len(requests_to(vocu_emulator, SIMPLE + ("" if language else ".mp3"))) == 1


# --- 7: shapes of the current export ------------------------------------------------------


async def test_template_description_is_read_under_metadata(client: Any) -> None:
    created = await client.create_template(
        "Greeting", [{"type": "text", "voiceId": seed.BOB_ID, "text": "Hi"}], "Said at the door"
    )
    assert created.description == "Said at the door"
    assert (await client.get_template(created.id)).description == "Said at the door"
    assert [t.description for t in await client.list_templates()] == ["Said at the door"]


async def test_a_stream_job_whose_audio_is_the_stream_url(client: Any) -> None:
    job = await client.create_job("A queued line.", seed.BOB_ID)
    done = await client.wait_for_job(job.id, timeout=20, initial_interval=0.05)
    streaming = await client.get_job(job.id, stream=True)
    assert streaming.stream_url and "/api/tts/stream/" in streaming.stream_url
    assert streaming.stream_url != done.audio_url
    assert (await client.download(streaming.stream_url))[:3] == b"ID3"


async def test_preset_resource_keys_are_not_shown_as_names(client: Any) -> None:
    presets = {p.key: p for p in await client.list_presets()}
    assert presets["balance"].name == "balance" and presets["balance"].description is None


async def test_a_missing_style_is_not_found(client: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.synthesize("Hi.", seed.ALICE_ID, SynthesisOptions(style_id="no-such-style"))
    assert caught.value.code == "RESOURCE_NOT_FOUND"


async def test_account_with_only_the_legacy_credits_field(vocu_emulator: Any, client: Any) -> None:
    vocu_emulator.state.set_legacy_credits_only(seed.PAID_TOKEN)
    account = await client.get_account()
    assert account.bonus_credit == account.credits == 500


def test_the_older_shapes_still_read() -> None:
    assert Template.from_api({"id": "t", "name": "n", "description": "d"}).description == "d"
    preset = Preset.from_api({"key": "stable", "i18n_name": {"en": "Stable", "zh": "稳定"}})
    assert preset.name == "Stable"
    job = Job.from_api({"id": "j", "status": "generated", "metadata": {"streamUrl": "s"}})
    assert job.stream_url == "s"


# --- 8: Noiz's documented voice shape, page size and emotion keys -------------------------


@pytest.fixture
async def noiz(vocu_emulator: Any) -> Any:
    provider = create_provider(
        "noiz", seed.NOIZ_KEY, base_url=vocu_emulator.url("/noiz/v1"), retry=FAST_RETRY
    )
    async with provider:
        yield provider


@pytest.mark.parametrize("reading", ["ours", "other"])
async def test_noiz_voices_keep_descriptions_and_previews(
    vocu_emulator: Any, noiz: Any, reading: str
) -> None:
    vocu_emulator.set_readings(noiz_voices=reading)
    voices = {v.id: v for v in await noiz.list_voices(include_builtin=True)}
    nora = voices[seed.NOIZ_VOICE_ID]
    assert nora.name == "Nora" and nora.description == "warm, narration"
    assert nora.preview_url and voices[seed.NOIZ_BUILTIN_IDS[0]].preview_url
    assert (await noiz.get_voice(seed.NOIZ_VOICE_ID)).preview_url == nora.preview_url
    clone = await noiz.clone_voice("Zed", audio_url="https://example.com/zed.mp3")
    assert clone.name == "Zed" and clone.id


async def test_noiz_lists_in_pages_of_the_documented_default(vocu_emulator: Any, noiz: Any) -> None:
    vocu_emulator.set_readings(noiz_voices="other")
    for index in range(14):
        noiz_state(vocu_emulator).accounts[seed.NOIZ_KEY].voices[f"v{index}"] = {
            "voice_id": f"v{index}", "display_name": f"V{index}", "labels": [],
            "voice_type": "custom", "status": "ready", "delete_time": None,
            "espeak": "en-us", "pitch": 50,
        }  # fmt: skip
    voices = await noiz.list_voices(include_builtin=False)
    assert len(voices) == 15
    limits = [r.query.get("limit") for r in vocu_emulator.requests]
    assert limits == ["10", "10"]  # the documented default: never refused, whatever the maximum


def test_noiz_emotion_keys_are_the_documented_ones() -> None:
    fields = tts_fields("Hi", "v", SynthesisOptions(emotion=(9, 6, 5, 3, 7)))
    assert json.loads(fields["emo"]) == {"Joy": 0.6, "Sadness": 0.3}
    assert "emo" not in tts_fields("Hi", "v", SynthesisOptions(emotion=(9, 0, 5, 0, 7)))
