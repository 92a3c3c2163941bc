"""MiniMax's own API: what the shared contract suite does not cover.

The SSE/hex decoder piece by piece (any chunk boundary), the ``base_resp`` error mapping, the
clone's voice-id rules, the optional GroupId, the two hosts, clones listed only after first use,
and the key-free ``output_format: url``. Over real HTTP against the emulator where a server is
involved.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from vocu_client import RetryPolicy, SynthesisOptions, errors
from vocu_client.providers import MINIMAX_OFFICIAL_HOSTS, VoiceProvider, create_provider
from vocu_client.providers.minimax_official import (
    check_voice_id,
    minimax_official_envelope_check,
    minimax_official_error,
    voice_id_for,
)
from vocu_client.providers.minimax_sse import HexAudioEvents
from vocu_emulator import Fault, seed
from vocu_emulator.routes_minimax_official import official_state

FAST_RETRY = RetryPolicy(
    attempts=3, backoff=0.01, max_backoff=0.05, synthesis_attempts=3, max_retry_after=5.0
)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)
MP3 = b"ID3\x04\x00" + bytes(range(256)) * 4


def _event(audio: bytes, status: int, code: int = 0, msg: str = "") -> bytes:
    body = {"data": {"audio": audio.hex(), "status": status, "ced": ""}, "trace_id": "t1",
            "base_resp": {"status_code": code, "status_msg": msg}}  # fmt: skip
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _no_error(event: Any) -> errors.VoiceServiceError:
    raise AssertionError(f"unexpected error event {event}")


def _decode(raw: bytes, sizes: list[int] | None = None, **kwargs: Any) -> bytes:
    decoder = HexAudioEvents(kwargs.pop("event_error", _no_error), provider="minimax_official",
                             **kwargs)  # fmt: skip
    out = b""
    position = 0
    for size in sizes or [len(raw)]:
        out += decoder.feed(raw[position : position + size])
        position += size
    out += decoder.feed(raw[position:])
    return out + decoder.finish()


# -- the SSE/hex decoder --------------------------------------------------------------------


def test_decoder_is_independent_of_chunk_boundaries() -> None:
    pieces = [MP3[i : i + 100] for i in range(0, len(MP3), 100)]
    raw = b"".join(_event(p, 1) for p in pieces) + _event(b"", 2, msg="success")
    assert _decode(raw) == MP3
    assert _decode(raw, [1] * len(raw)) == MP3  # one byte at a time
    rng = random.Random(7)
    for _ in range(20):
        sizes = [rng.randint(1, 300) for _ in range(len(raw) // 100)]
        assert _decode(raw, sizes) == MP3
    # CRLF line ends, comments and other fields are SSE too.
    crlf = b": keep-alive\r\n\r\nevent: audio\r\n" + raw.replace(b"\n", b"\r\n")
    assert _decode(crlf, [3] * (len(crlf) // 3)) == MP3


def test_decoder_skips_the_aggregated_repeat_but_keeps_a_lone_final_event() -> None:
    half = len(MP3) // 2
    repeated = _event(MP3[:half], 1) + _event(MP3[half:], 1) + _event(MP3, 2)
    assert _decode(repeated) == MP3  # not twice
    assert _decode(_event(MP3, 2)) == MP3  # only a final event: its audio is the answer


def test_decoder_errors() -> None:
    def event_error(event: Any) -> errors.VoiceServiceError:
        return minimax_official_envelope_error(event)

    with pytest.raises(errors.RateLimitError):
        _decode(_event(MP3[:10], 1) + _event(b"", 1, code=1002, msg="rate limit"),
                event_error=event_error)  # fmt: skip
    with pytest.raises(errors.InvalidAudioError, match="not server-sent events"):
        _decode(b"<html><body>502 Bad Gateway</body></html>\n")
    with pytest.raises(errors.InvalidAudioError, match="not hex"):
        _decode(b'data: {"data": {"audio": "zz", "status": 1}}\n\n')
    with pytest.raises(errors.InvalidAudioError, match="larger than"):
        _decode(_event(MP3, 1), [64], max_event_bytes=512)
    with pytest.raises(errors.StreamInterruptedError) as cut:
        _decode(_event(MP3[:50], 1) + _event(MP3[50:], 1)[:40])  # stopped mid-event, no final
    assert cut.value.bytes_received == 50


def minimax_official_envelope_error(event: Any) -> errors.VoiceServiceError:
    try:
        minimax_official_envelope_check(event, b"", 200, {}, ())
    except errors.VoiceServiceError as exc:
        return exc
    raise AssertionError("no error raised")


# -- error mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (1002, errors.RateLimitError),
        (1004, errors.AuthenticationError),
        (2049, errors.AuthenticationError),
        (1008, errors.InsufficientCreditsError),
        (2013, errors.ValidationError),
        (2039, errors.ValidationError),
        (2054, errors.NotFoundError),
        (2042, errors.PermissionDeniedError),
        (1000, errors.ServerError),
        (1999, errors.ServerError),  # undocumented 1xxx: the service's failure
        (2999, errors.ValidationError),  # undocumented 2xxx: the request's
    ],
)
def test_base_resp_codes_map_to_our_errors(code: int, expected: type) -> None:
    key = "sk-secret-key-1234567890"
    body = {"base_resp": {"status_code": code, "status_msg": f"failed for Bearer {key}"}}
    with pytest.raises(expected) as caught:
        minimax_official_envelope_check(body, b"", 200, {"Trace-Id": "abc"}, (key,))
    assert caught.value.code == str(code) and caught.value.provider == "minimax_official"
    assert caught.value.request_id == "abc" and key not in str(caught.value)
    minimax_official_envelope_check({"base_resp": {"status_code": 0}}, b"", 200, {}, ())


def test_http_errors_without_base_resp_use_the_status() -> None:
    assert isinstance(minimax_official_error(502, b"<html>", {}, ()), errors.ServerError)
    assert isinstance(minimax_official_error(401, b"", {}, ()), errors.AuthenticationError)
    body = json.dumps({"base_resp": {"status_code": 1008, "status_msg": "insufficient balance"}})
    assert isinstance(
        minimax_official_error(500, body.encode(), {}, ()), errors.InsufficientCreditsError
    )


# -- voice ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "voice_id", ["Grandma01", "a1234567", "Rose-2024_voice", "x" * 250 + "123456"]
)
def test_valid_voice_ids(voice_id: str) -> None:
    assert check_voice_id(voice_id) == voice_id


@pytest.mark.parametrize(
    "voice_id",
    ["short1", "1starts-with-digit", "ends-with-dash1-", "ends_with_1_", "no-digits-here",
     "has space 123", "ümlaut12345", "x" * 257 + "1"],
)  # fmt: skip
def test_invalid_voice_ids_name_the_rules(voice_id: str) -> None:
    with pytest.raises(errors.ValidationError, match="letter first"):
        check_voice_id(voice_id)


@pytest.mark.parametrize("name", ["Grandma Rose", "1984", "奶奶", "Zoë's voice!", "a"])
def test_voice_ids_derived_from_names_are_valid_and_fresh(name: str) -> None:
    first, second = voice_id_for(name), voice_id_for(name)
    assert check_voice_id(first) == first and check_voice_id(second) == second
    assert first != second  # a random six-digit tail


# -- against the emulator -------------------------------------------------------------------


@pytest.fixture
async def minimax(vocu_emulator: Any) -> AsyncIterator[VoiceProvider]:
    async with create_provider(
        "minimax_official", seed.MINIMAX_API_KEY, base_url=vocu_emulator.url("/minimax"),
        retry=FAST_RETRY,
    ) as provider:  # fmt: skip
        yield provider


async def test_speech_request_fields(minimax: VoiceProvider, vocu_emulator: Any) -> None:
    options = SynthesisOptions(speed=0.8, language="ja", emotion=(9, 2, 0, 4, 10))
    assert await minimax.synthesize("Konnichiwa.", seed.MINIMAX_OFFICIAL_CLONE_ID, options)
    body = official_state(vocu_emulator).t2a_requests[-1]
    assert body["stream"] is True and body["stream_options"] == {"exclude_aggregated_audio": True}
    assert body["voice_setting"] == {"voice_id": seed.MINIMAX_OFFICIAL_CLONE_ID, "speed": 0.8,
                                     "emotion": "angry"}  # fmt: skip
    assert body["language_boost"] == "Japanese" and body["audio_setting"]["format"] == "mp3"
    assert body["query"] == {}  # no GroupId unless one is configured
    headers = {r.headers.get("Authorization") for r in vocu_emulator.requests}
    assert headers == {"Bearer <redacted>"}


async def test_streamed_audio_equals_the_downloaded_file(
    minimax: VoiceProvider, vocu_emulator: Any
) -> None:
    text = "The same words, twice."
    streamed = await minimax.synthesize(text, seed.MINIMAX_OFFICIAL_CLONE_ID)
    link = await minimax.create_stream_url(text, seed.MINIMAX_OFFICIAL_CLONE_ID)
    assert link.audio_url and seed.MINIMAX_API_KEY not in link.audio_url
    async with aiohttp.ClientSession() as session, session.get(link.audio_url) as answer:
        assert answer.status == 200
        downloaded = await answer.read()
    assert streamed == downloaded  # hex decoded exactly once, no aggregated repeat
    async with aiohttp.ClientSession() as session:
        tampered = link.audio_url.replace("Signature=", "Signature=0")
        async with session.get(tampered) as refused:
            assert refused.status == 403


async def test_decoder_on_the_emulators_aggregated_final_event(
    minimax: VoiceProvider, vocu_emulator: Any
) -> None:
    """Without exclude_aggregated_audio the last event repeats everything: still one copy."""
    text = "Aggregated at the end."
    expected = await minimax.synthesize(text, seed.MINIMAX_OFFICIAL_CLONE_ID)
    body = {"model": "speech-2.8-hd", "text": text, "stream": True,
            "voice_setting": {"voice_id": seed.MINIMAX_OFFICIAL_CLONE_ID}}  # fmt: skip
    headers = {"Authorization": f"Bearer {seed.MINIMAX_API_KEY}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(vocu_emulator.url("/minimax/v1/t2a_v2"), json=body, headers=headers) as answer,
    ):
        raw = await answer.read()
    assert raw.count(expected.hex().encode()) == 1  # the final event carries the whole audio
    assert _decode(raw, [777] * (len(raw) // 777)) == expected


async def test_group_id_is_sent_only_when_configured(vocu_emulator: Any) -> None:
    async with create_provider(
        "minimax_official", seed.MINIMAX_API_KEY, base_url=vocu_emulator.url("/minimax"),
        group_id=f" {seed.MINIMAX_GROUP_ID} ",
    ) as provider:  # fmt: skip
        created = await provider.clone_voice("Grouped", WAV)
        await provider.synthesize("With a group.", created.id)
        await provider.list_voices()
        await provider.delete_voice(created.id)
    queries = [r.query for r in vocu_emulator.requests]
    assert len(queries) == 5 and all(q == {"GroupId": seed.MINIMAX_GROUP_ID} for q in queries)


async def test_each_host_takes_its_own_keys(vocu_emulator: Any) -> None:
    assert MINIMAX_OFFICIAL_HOSTS == {"global": "https://api.minimax.io",
                                      "mainland": "https://api.minimaxi.com"}  # fmt: skip
    async with create_provider(
        "minimax_official", seed.MINIMAX_MAINLAND_KEY, base_url=vocu_emulator.url("/minimaxi")
    ) as mainland:
        assert await mainland.synthesize("Mainland.", seed.MINIMAX_OFFICIAL_CLONE_ID)
    async with create_provider(
        "minimax_official", seed.MINIMAX_MAINLAND_KEY, base_url=vocu_emulator.url("/minimax")
    ) as wrong_host:
        with pytest.raises(errors.AuthenticationError, match="1004"):
            await wrong_host.list_voices()


async def test_clone_checks_the_voice_id_before_uploading(
    minimax: VoiceProvider, vocu_emulator: Any
) -> None:
    with pytest.raises(errors.ValidationError, match="letter first"):
        await minimax.clone_voice("Bad id", WAV, voice_id="9lives-voice")  # type: ignore[call-arg]
    with pytest.raises(errors.ValidationError, match="MP3, M4A or WAV"):
        await minimax.clone_voice("Flac", b"fLaC" + bytes(100))
    assert vocu_emulator.requests == []
    await minimax.clone_voice("Mine", WAV, voice_id="Mine-voice-01")  # type: ignore[call-arg]
    with pytest.raises(errors.ValidationError, match="2039"):  # taken: the service says so
        await minimax.clone_voice("Again", WAV, voice_id="Mine-voice-01")  # type: ignore[call-arg]


async def test_new_clone_is_listed_only_after_first_use(
    minimax: VoiceProvider, vocu_emulator: Any
) -> None:
    created = await minimax.clone_voice("Grandma Rose", WAV, language="zh")
    assert created.id.startswith("Grandma-Rose-") and "7 days" in (created.description or "")
    clone_body = next(r.json for r in vocu_emulator.requests if r.path.endswith("/voice_clone"))
    assert clone_body["language_boost"] == "Chinese" and clone_body["voice_id"] == created.id
    # The service does not list it yet; this provider remembers it meanwhile.
    async with create_provider(
        "minimax_official", seed.MINIMAX_API_KEY, base_url=vocu_emulator.url("/minimax")
    ) as other:
        assert created.id not in {v.id for v in await other.list_voices(include_builtin=False)}
        assert (await minimax.get_voice(created.id)).name == "Grandma Rose"
        await minimax.synthesize("First words.", created.id)  # first use: listed from now on
        listed = {v.id: v for v in await other.list_voices(include_builtin=False)}
    assert listed[created.id].name == created.id  # MiniMax keeps no name: the id stands in
    assert (await minimax.get_voice(created.id)).name == "Grandma Rose"  # here we know it


async def test_json_error_inside_http_200_while_streaming(vocu_emulator: Any) -> None:
    async with create_provider(
        "minimax_official", "wrong-key-000000000", base_url=vocu_emulator.url("/minimax")
    ) as provider:
        with pytest.raises(errors.AuthenticationError) as caught:
            async with provider.stream_speech("Hello.", seed.MINIMAX_OFFICIAL_CLONE_ID):
                pass
    assert caught.value.code == "1004"
    assert "wrong-key" not in str(caught.value)


async def test_deleting_a_missing_voice_is_not_found(minimax: VoiceProvider) -> None:
    with pytest.raises(errors.NotFoundError):
        await minimax.delete_voice("Never-existed-001")


async def test_a_bad_event_stream_is_closed_while_opening(
    minimax: VoiceProvider, vocu_emulator: Any
) -> None:
    """Raised from `__aenter__`, so no `async with` would close it: the stream does it itself."""
    vocu_emulator.inject(Fault(path="/minimax/v1/t2a_v2", garbage=True))
    stream = minimax.stream_speech("Noise.", seed.MINIMAX_OFFICIAL_CLONE_ID)
    with pytest.raises(errors.InvalidAudioError, match="not server-sent events"):
        await stream.__aenter__()
    assert stream._response is None  # released, not left to the garbage collector
