"""Streaming synthesis: form selection, option mapping, long text, signed URLs, paid-only."""

from __future__ import annotations

import io
from typing import Any

import mutagen.mp3
import pytest
from vocu_client import SynthesisOptions, VocuClient, errors, wire
from vocu_emulator import seed

from .conftest import ClientFactory, requests_to

GET_PATH = "/api/tts/simple-generate.mp3"
POST_PATH = "/api/tts/simple-generate"


def assert_mp3(data: bytes) -> None:
    info = mutagen.mp3.MP3(io.BytesIO(data)).info
    assert info.length > 0.1


async def test_stream_speech_yields_mp3_chunks_and_result(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.set_pacing(chunk_bytes=1024, chunk_interval=0.005)
    chunks = []
    async with client.stream_speech("Hello there, this is Bob.", seed.BOB_ID) as stream:
        assert stream.result.id and stream.result.request_id
        assert stream.result.credit_used == len("Hello there, this is Bob.")
        assert stream.result.stream_url
        async for chunk in stream:
            chunks.append(chunk)
    assert len(chunks) > 1  # delivered as it arrived, not buffered into one piece
    assert_mp3(b"".join(chunks))
    (request,) = requests_to(vocu_emulator, GET_PATH)
    assert request.headers["Authorization"].startswith("Bearer ")
    assert "token" not in request.query and request.query["voiceId"] == seed.BOB_ID


async def test_plain_iteration_without_context_manager(client: VocuClient) -> None:
    stream = client.stream_speech("Short one.", seed.ALICE_ID)
    data = b"".join([chunk async for chunk in stream])
    assert_mp3(data)
    assert stream.result.id


async def test_get_form_maps_speed_to_reciprocal_speech_rate(
    client: VocuClient, vocu_emulator: Any
) -> None:
    options = SynthesisOptions(
        style_id=seed.CHEERFUL_STYLE_ID, preset="stable", speed=2.0, flash=True, seed=7
    )
    async with client.stream_speech("Fast speech.", seed.ALICE_ID, options) as stream:
        async for _ in stream:
            pass
    query = requests_to(vocu_emulator, GET_PATH)[-1].query
    assert query["speechRate"] == "0.5"  # speed 2 = half the duration
    assert query["promptId"] == seed.CHEERFUL_STYLE_ID
    assert (query["preset"], query["flash"], query["seed"]) == ("stable", "true", "7")


@pytest.mark.parametrize(
    "options",
    [
        SynthesisOptions(language="en-us"),
        SynthesisOptions(vivid=True),
        SynthesisOptions(emotion=(0, 8, 2, 0, 0)),
    ],
)
async def test_post_form_when_get_cannot_carry_the_options(
    client: VocuClient, vocu_emulator: Any, options: SynthesisOptions
) -> None:
    async with client.stream_speech("Slow and clear.", seed.ALICE_ID, options) as stream:
        assert_mp3(b"".join([c async for c in stream]))
    assert not requests_to(vocu_emulator, GET_PATH)
    body = requests_to(vocu_emulator, POST_PATH)[-1].json
    assert body["stream"] is True and body["direct_stream"] is True
    if options.language:
        assert body["language"] == "en-us"
    if options.emotion:
        assert body["emo_switch"] == [0, 8, 2, 0, 0]


async def test_post_form_speech_rate(client: VocuClient, vocu_emulator: Any) -> None:
    options = SynthesisOptions(language="en-us", speed=0.5)
    async with client.stream_speech("Slow.", seed.ALICE_ID, options) as stream:
        async for _ in stream:
            pass
    assert requests_to(vocu_emulator, POST_PATH)[-1].json["speechRate"] == 2.0


@pytest.mark.parametrize(
    ("text", "options", "code"),
    [
        ("   ", SynthesisOptions(), "TTS_TEXT_EMPTY"),
        ("Hi.", SynthesisOptions(language="en"), "UNSUPPORTED_LANGUAGE"),
        ("Hi.", SynthesisOptions(preset="wild"), "VALIDATION_INVALID_VALUE"),
        ("Hi.", SynthesisOptions(speed=2.5), "VALIDATION_INVALID_VALUE"),
        ("Hi.", SynthesisOptions(speed=0.4), "VALIDATION_INVALID_VALUE"),
        ("Hi.", SynthesisOptions(emotion=(1, 2, 3)), "VALIDATION_INVALID_VALUE"),  # type: ignore[arg-type]
        ("Hi.", SynthesisOptions(emotion=(0, 0, 11, 0, 0)), "VALIDATION_INVALID_VALUE"),
        ("x" * 51, SynthesisOptions(), "VALIDATION_TOO_LONG"),
    ],
)
async def test_invalid_requests_fail_before_sending(
    make_client: ClientFactory,
    vocu_emulator: Any,
    text: str,
    options: SynthesisOptions,
    code: str,
) -> None:
    client = make_client(max_chars_per_request=50)
    with pytest.raises(errors.ValidationError) as caught:
        client.stream_speech(text, seed.ALICE_ID, options)
    assert caught.value.code == code
    assert not vocu_emulator.requests


async def test_versioned_preset_keys_are_accepted(client: VocuClient) -> None:
    async with client.stream_speech(
        "Hi.", seed.ALICE_ID, SynthesisOptions(preset="v3_balance")
    ) as stream:
        assert_mp3(b"".join([c async for c in stream]))


async def test_iter_speech_splits_long_text_at_sentences(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(max_chars_per_request=40)
    text = "The first sentence is here. The second one follows it. And a third closes."
    data = b"".join([c async for c in client.iter_speech(text, seed.BOB_ID)])
    assert data.count(b"ID3") + data.count(b"\xff\xfb") >= 1
    texts = [r.query["text"] for r in requests_to(vocu_emulator, GET_PATH)]
    assert texts == [
        "The first sentence is here.",
        "The second one follows it.",
        "And a third closes.",
    ]


async def test_synthesize_returns_the_whole_mp3(client: VocuClient) -> None:
    assert_mp3(await client.synthesize("A complete answer.", seed.BOB_ID))


async def test_synthesize_falls_back_to_a_job_for_free_accounts(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(seed.FREE_TOKEN)
    audio = await client.synthesize("Free accounts still speak.", seed.BOB_ID)
    assert_mp3(audio)
    assert requests_to(vocu_emulator, GET_PATH)  # tried the sync path first
    (job_request,) = requests_to(vocu_emulator, "/api/tts/generate", "POST")
    assert job_request.json["contents"][0]["text"] == "Free accounts still speak."

    vocu_emulator.reset()
    assert_mp3(await client.synthesize("Once refused, straight to a job.", seed.BOB_ID))
    assert not requests_to(vocu_emulator, GET_PATH)  # no second refused request
    assert requests_to(vocu_emulator, "/api/tts/generate", "POST")


async def test_paid_only_is_raised_by_streaming(make_client: ClientFactory) -> None:
    client = make_client(seed.FREE_TOKEN)
    with pytest.raises(errors.PaidOnlyError) as caught:
        async with client.stream_speech("Hi.", seed.BOB_ID):
            pass
    assert isinstance(caught.value, errors.PermissionDeniedError)
    assert caught.value.code == "TTS_PAID_ONLY"


async def test_playable_url_of_an_unpaid_account_is_a_jobs_audio(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(seed.FREE_TOKEN)
    for _ in range(2):
        result = await client.create_playable_url("Free to play.", seed.BOB_ID)
        assert result.audio_url and seed.FREE_TOKEN not in result.audio_url
        assert_mp3(await client.download(result.playable_url))
    assert len(requests_to(vocu_emulator, POST_PATH)) == 1  # refused once, then remembered
    assert len(requests_to(vocu_emulator, "/api/tts/generate", "POST")) == 2


async def test_stream_url_is_signed_and_fetched_without_the_key(
    client: VocuClient, vocu_emulator: Any
) -> None:
    result = await client.create_stream_url("Play me from a URL.", seed.BOB_ID)
    body = requests_to(vocu_emulator, POST_PATH)[-1].json
    assert body["stream"] is True and "direct_stream" not in body
    assert result.playable_url and result.id and result.request_id
    assert seed.PAID_TOKEN not in result.playable_url
    audio = await client.download(result.playable_url)
    assert_mp3(audio)
    fetched = [r for r in vocu_emulator.requests if r.method == "GET" and "auth" in r.query]
    assert fetched and all("Authorization" not in r.headers for r in fetched)
    assert all("authorization" not in (k.lower() for k in r.headers) for r in fetched)


# Characters that URL query encoding can mangle ('+' read as a space, '&'/'=' splitting fields,
# '%' double-decoded) and scripts that take nine bytes per character once percent-encoded.
AWKWARD_TEXTS = [
    "你好，世界。",
    "早上好！今天天气很好，我们去公园散步吧。",
    "a+b = c & d; 100% sure #1?",
    "+",
    "%E4%BD%A0 is not decoded twice",
    "Emoji 😀 and 한국어 and 日本語。",
    "\u3000全角空格\u3000",
]


@pytest.mark.parametrize("language", [None, "zh"], ids=["get-form", "post-form"])
@pytest.mark.parametrize("text", AWKWARD_TEXTS)
async def test_awkward_text_reaches_the_service_unchanged(
    client: VocuClient, vocu_emulator: Any, text: str, language: str | None
) -> None:
    async with client.stream_speech(text, seed.BOB_ID, SynthesisOptions(language=language)) as s:
        assert_mp3(b"".join([chunk async for chunk in s]))
    (request,) = requests_to(vocu_emulator, GET_PATH if language is None else POST_PATH)
    assert (request.query if language is None else request.json)["text"] == text


async def test_long_cjk_text_is_sent_in_a_body_not_a_url(
    client: VocuClient, vocu_emulator: Any
) -> None:
    """2000 CJK characters are 18 000 bytes of query: past the 8 KiB request line servers accept."""
    text = "你好，世界。" * 333
    async with client.stream_speech(text, seed.BOB_ID) as stream:
        audio = b"".join([chunk async for chunk in stream])
        assert stream.result.credit_used == len(text)  # the service got every character
    assert_mp3(audio)
    assert not requests_to(vocu_emulator, GET_PATH)
    assert requests_to(vocu_emulator, POST_PATH)[-1].json["stream"] is True


def test_speech_rate_direction_is_one_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wire.SPEECH_RATE_IS_DURATION  # the API reference's reading: larger = slower
    assert wire.speech_rate(2.0) == 0.5
    monkeypatch.setattr(wire, "SPEECH_RATE_IS_DURATION", False)  # the user guide's reading
    assert wire.speech_rate(2.0) == 2.0
