"""One behavioural suite for every voice provider, over real HTTP against the emulator.

Each test runs for Vocu, Noiz, MiniMax via useapi.net and MiniMax's own API through
`create_provider`; what differs
per service (keys, seeded ids, paths) is in `Spec`. Provider-specific behaviour follows below.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import mutagen.mp3
import pytest
from vocu_client import RetryPolicy, SynthesisOptions, Timeouts, errors
from vocu_client.models import Voice
from vocu_client.providers import PROVIDERS, Capability, VoiceProvider, create_provider
from vocu_client.text import split_text
from vocu_emulator import Fault, seed
from vocu_emulator.routes_minimax import minimax_state
from vocu_emulator.routes_noiz import noiz_state

FAST_RETRY = RetryPolicy(
    attempts=3, backoff=0.01, max_backoff=0.05, synthesis_attempts=3, max_retry_after=5.0
)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)
SENTENCE = "The quick brown fox jumps over the lazy dog. "


@dataclass(frozen=True)
class Spec:
    name: str
    key: str
    prefix: str  # route prefix on the emulator
    own_voice: str
    builtin_voice: str
    out_of_credit_key: str
    synth_path: str  # the billed request (fault target)
    audio_path: str  # where the MP3 bytes come from
    list_path: str

    def base_url(self, emulator: Any) -> str:
        return emulator.url(self.prefix)


SPECS = {
    "vocu": Spec("vocu", seed.PAID_TOKEN, "", seed.BOB_ID, seed.MARKET_ID, seed.LOW_CREDIT_TOKEN,
                 "/api/tts/simple-generate*", "/api/tts/simple-generate*", "/api/voice"),
    "noiz": Spec("noiz", seed.NOIZ_KEY, "/noiz/v1", seed.NOIZ_VOICE_ID, seed.NOIZ_BUILTIN_IDS[0],
                 seed.NOIZ_LOW_CREDIT_KEY, "/noiz/v1/text-to-speech", "/noiz/v1/text-to-speech",
                 "/noiz/v1/voices"),
    "minimax": Spec("minimax", seed.USEAPI_TOKEN, "/useapi/v1/minimax", seed.MINIMAX_CLONE_ID,
                    seed.MINIMAX_SYSTEM_IDS[0], seed.USEAPI_EXPIRED_TOKEN,
                    "/useapi/v1/minimax/audio/create-mp3", "/useapi/cdn/minimax/*",
                    "/useapi/v1/minimax/audio/voices*"),
    "minimax_official": Spec("minimax_official", seed.MINIMAX_API_KEY, "/minimax",
                             seed.MINIMAX_OFFICIAL_CLONE_ID, seed.MINIMAX_SYSTEM_IDS[0],
                             seed.MINIMAX_NO_BALANCE_KEY, "/minimax/v1/t2a_v2",
                             "/minimax/v1/t2a_v2", "/minimax/v1/get_voice"),
}  # fmt: skip

Factory = Callable[..., VoiceProvider]


@pytest.fixture(params=list(SPECS))
def spec(request: pytest.FixtureRequest) -> Spec:
    return SPECS[request.param]


@pytest.fixture
async def make(vocu_emulator: Any, spec: Spec) -> AsyncIterator[Factory]:
    made: list[VoiceProvider] = []

    def factory(key: str | None = None, **kwargs: Any) -> VoiceProvider:
        kwargs.setdefault("base_url", spec.base_url(vocu_emulator))
        kwargs.setdefault("timeouts", FAST_TIMEOUTS)
        kwargs.setdefault("retry", FAST_RETRY)
        provider = create_provider(spec.name, key or spec.key, **kwargs)
        made.append(provider)
        return provider

    yield factory
    for provider in made:
        await provider.close()


@pytest.fixture
def provider(make: Factory) -> VoiceProvider:
    return make()


def hits(emulator: Any, glob: str) -> list[Any]:
    return [r for r in emulator.requests if Fault(path=glob).matches(r.method, r.path)]


def mp3_seconds(data: bytes) -> float:
    return mutagen.mp3.MP3(io.BytesIO(data)).info.length


# -- interface and registry -----------------------------------------------------------------


async def test_provider_satisfies_the_interface(provider: VoiceProvider, spec: Spec) -> None:
    assert isinstance(provider, VoiceProvider)
    assert provider.name == spec.name and provider.info is PROVIDERS[spec.name]
    expected = {"vocu": 2000, "noiz": 5000, "minimax": 500, "minimax_official": 5000}[spec.name]
    assert provider.max_chars_per_request == expected == provider.info.max_chars_per_request
    assert spec.key not in repr(provider) + str(provider)


# -- voices ---------------------------------------------------------------------------------


async def test_list_voices_own_clones_first_then_builtin(
    provider: VoiceProvider, spec: Spec
) -> None:
    voices = await provider.list_voices()
    ids = [voice.id for voice in voices]
    assert spec.own_voice in ids and spec.builtin_voice in ids
    assert ids.index(spec.own_voice) < ids.index(spec.builtin_voice)
    assert all(voice.provider == spec.name for voice in voices)
    own_only = [voice.id for voice in await provider.list_voices(include_builtin=False)]
    assert spec.own_voice in own_only and spec.builtin_voice not in own_only


async def test_voice_pages_cover_the_builtin_voices_once(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    everything = {v.id for v in await provider.list_voices()} - {
        v.id for v in await provider.list_voices(include_builtin=False)
    }
    seen: list[str] = []
    page = 0
    while True:
        result = await provider.voice_page(page, 2, builtin=True)
        assert len(result.voices) <= 2
        seen += [voice.id for voice in result.voices]
        if not result.has_more:
            break
        page += 1
    assert sorted(seen) == sorted(everything) and len(seen) == len(set(seen))
    if provider.supports(Capability.PAGED_VOICES):
        assert page >= 1  # really paged by the service, not cut client-side


async def test_get_voice_and_missing_voice(provider: VoiceProvider, spec: Spec) -> None:
    voice = await provider.get_voice(spec.own_voice)
    assert voice.id == spec.own_voice and voice.name and voice.usable
    with pytest.raises(errors.NotFoundError) as missing:
        await provider.get_voice("no-such-voice-0000")
    assert missing.value.provider == spec.name


async def test_clone_from_bytes_speak_and_delete(provider: VoiceProvider, spec: Spec) -> None:
    created = await provider.clone_voice("Contract clone", WAV, language="en-us")
    assert created.name == "Contract clone" and created.provider == spec.name
    ready = await provider.wait_for_voice(created.id, timeout=10, poll_interval=0.1)
    assert ready.usable
    assert created.id in {voice.id for voice in await provider.list_voices(include_builtin=False)}
    assert mp3_seconds(await provider.synthesize("Cloned and speaking.", created.id)) > 0.3
    await provider.delete_voice(created.id)
    with pytest.raises(errors.NotFoundError):
        await provider.get_voice(created.id)
    assert created.id not in {v.id for v in await provider.list_voices(include_builtin=False)}


async def test_clone_from_url_where_declared(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    url = "https://samples.example.com/voice/sample.wav"
    if not provider.supports(Capability.CLONE_FROM_URL):
        before = len(vocu_emulator.requests)
        with pytest.raises(errors.UnsupportedOperationError, match=f"^{spec.name} has no"):
            await provider.clone_voice("From URL", audio_url=url)
        assert len(vocu_emulator.requests) == before  # refused before sending anything
        return
    created = await provider.clone_voice("From URL", audio_url=url, noise_reduction=False)
    assert (await provider.get_voice(created.id)).name == "From URL"


async def test_clone_input_is_checked_before_sending(
    provider: VoiceProvider, vocu_emulator: Any
) -> None:
    with pytest.raises(errors.ValidationError):
        await provider.clone_voice("  ", WAV)
    with pytest.raises(errors.ValidationError):
        await provider.clone_voice("Empty", b"")
    assert vocu_emulator.requests == []


# -- synthesis ------------------------------------------------------------------------------


async def test_stream_speech_is_a_valid_mp3_in_chunks(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    chunks: list[bytes] = []
    async with provider.stream_speech(SENTENCE * 3, spec.own_voice) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    # More than CHUNK_SIZE (16 KiB) of MP3 arrives as several chunks: streamed, not buffered.
    assert len(chunks) > 1 and max(map(len, chunks)) <= 16 * 1024
    assert mp3_seconds(b"".join(chunks)) > 3


async def test_options_are_accepted(provider: VoiceProvider, spec: Spec) -> None:
    options = SynthesisOptions(speed=1.5, language="en-us", emotion=(0, 8, 0, 2, 0))
    audio = await provider.synthesize("Quick and happy.", spec.own_voice, options)
    assert mp3_seconds(audio) > 0.2


async def test_long_text_is_chunked_by_max_chars(
    make: Factory, spec: Spec, vocu_emulator: Any
) -> None:
    provider = make(max_chars_per_request=120)
    text = SENTENCE * 7  # 315 characters → 4 requests of two whole sentences each
    parts = split_text(text, 120)
    assert len(parts) == 4 and all(len(part) <= 120 for part in parts)
    audio = b"".join([chunk async for chunk in provider.iter_speech(text, spec.own_voice)])
    assert len(hits(vocu_emulator, spec.synth_path)) == len(parts)
    assert mp3_seconds(audio) > 3
    with pytest.raises(errors.ValidationError):
        async with provider.stream_speech(text, spec.own_voice):
            pass  # one request may not exceed the provider's maximum


# -- every error class ----------------------------------------------------------------------


async def test_wrong_key_is_an_authentication_error(make: Factory, spec: Spec) -> None:
    with pytest.raises(errors.AuthenticationError) as caught:
        await make("wrong-key-0000000000").list_voices()
    assert caught.value.provider == spec.name


async def test_out_of_credit_is_insufficient_credits(make: Factory, spec: Spec) -> None:
    with pytest.raises(errors.InsufficientCreditsError) as caught:
        await make(spec.out_of_credit_key).synthesize(SENTENCE, spec.own_voice)
    assert caught.value.provider == spec.name


async def test_unknown_voice_is_not_found_when_speaking(provider: VoiceProvider) -> None:
    with pytest.raises(errors.NotFoundError):
        await provider.synthesize("Nobody home.", "no-such-voice-0000")


async def test_validation_client_side_and_from_the_service(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    with pytest.raises(errors.ValidationError):
        await provider.synthesize("   ", spec.own_voice)
    with pytest.raises(errors.ValidationError):
        await provider.synthesize("Fine.", spec.own_voice, SynthesisOptions(speed=9.0))
    assert vocu_emulator.requests == []
    vocu_emulator.inject(Fault(path=spec.synth_path, status=400, message="bad parameter"))
    with pytest.raises(errors.ValidationError, match="bad parameter"):
        await provider.synthesize("Fine.", spec.own_voice)


async def test_rate_limit_is_retried_then_raised(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=spec.synth_path, status=429, retry_after=0))
    assert mp3_seconds(await provider.synthesize("After a pause.", spec.own_voice)) > 0.2
    assert len(hits(vocu_emulator, spec.synth_path)) == 2
    vocu_emulator.inject(Fault(path=spec.synth_path, status=429, retry_after=30, times=None))
    with pytest.raises(errors.RateLimitError) as caught:
        await provider.synthesize("Too soon.", spec.own_voice)
    assert caught.value.retry_after == 30  # longer than the policy allows: raised at once


async def test_server_errors_on_reads_are_retried_then_raised(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=spec.list_path, status=500, times=1))
    assert await provider.list_voices(include_builtin=False)
    vocu_emulator.inject(Fault(path=spec.list_path, status=502, times=None))
    with pytest.raises(errors.ServerError):
        await provider.list_voices(include_builtin=False)


async def test_unreachable_service_is_a_connection_error(make: Factory, spec: Spec) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(errors.ServiceConnectionError) as caught:
        await make(base_url=f"http://127.0.0.1:{port}{spec.prefix}").list_voices()
    assert caught.value.provider == spec.name


async def test_no_answer_is_a_timeout(make: Factory, spec: Spec, vocu_emulator: Any) -> None:
    provider = make(timeouts=Timeouts(connect=5.0, first_byte=0.3, idle=0.3))
    vocu_emulator.inject(Fault(path=spec.synth_path, hang=True))
    with pytest.raises(errors.ServiceTimeoutError):
        await provider.synthesize("Anyone there?", spec.own_voice)


async def test_cut_stream_is_interrupted_not_retried(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=spec.audio_path, cut_after_bytes=600))
    with pytest.raises(errors.StreamInterruptedError) as caught:
        await provider.synthesize(SENTENCE * 3, spec.own_voice)
    assert caught.value.bytes_received >= 3
    assert len(hits(vocu_emulator, spec.synth_path)) == 1  # billed once


async def test_garbage_instead_of_audio_is_invalid_audio(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path=spec.audio_path, garbage=True))
    with pytest.raises(errors.InvalidAudioError):
        await provider.synthesize("Noise.", spec.own_voice)


# -- optional capabilities are declared, never faked ----------------------------------------


async def test_optional_capabilities(
    provider: VoiceProvider, spec: Spec, vocu_emulator: Any
) -> None:
    if provider.supports(Capability.ACCOUNT):
        assert (await provider.get_account()).credits > 0
    else:
        with pytest.raises(errors.UnsupportedOperationError, match=f"^{spec.name} has no account"):
            await provider.get_account()
    if provider.supports(Capability.SIGNED_URLS):
        result = await provider.create_stream_url("A link.", spec.own_voice)
        assert result.playable_url and spec.key not in result.playable_url
    else:
        with pytest.raises(errors.UnsupportedOperationError):
            await provider.create_stream_url("A link.", spec.own_voice)
    if not provider.supports(Capability.STYLES):
        with pytest.raises(errors.ValidationError, match="no styles"):
            await provider.synthesize("Styled.", spec.own_voice, SynthesisOptions(style_id="x"))


# -- Noiz specifics -------------------------------------------------------------------------


@pytest.fixture
async def noiz(vocu_emulator: Any) -> AsyncIterator[VoiceProvider]:
    async with create_provider(
        "noiz", seed.NOIZ_KEY, base_url=vocu_emulator.url("/noiz/v1"), retry=FAST_RETRY
    ) as provider:
        yield provider


async def test_noiz_sends_the_bare_key_and_mp3_fields(
    noiz: VoiceProvider, vocu_emulator: Any
) -> None:
    options = SynthesisOptions(speed=1.25, language="fr-fr", emotion=(3, 7, 5, 0, 9))
    await noiz.synthesize("Bonjour.", seed.NOIZ_VOICE_ID, options)
    assert {r.headers.get("Authorization") for r in vocu_emulator.requests} == {"<redacted>"}
    fields = noiz_state(vocu_emulator).tts_requests[-1]
    assert fields["output_format"] == "mp3" and fields["speed"] == "1.25"
    assert fields["target_lang"] == "fr"
    assert json.loads(fields["emo"]) == {"Joy": 0.7}  # anger has no documented Noiz key


async def test_noiz_business_error_inside_http_200(vocu_emulator: Any) -> None:
    async with create_provider(
        "noiz", seed.NOIZ_LOW_CREDIT_KEY, base_url=vocu_emulator.url("/noiz/v1")
    ) as low:
        with pytest.raises(errors.InsufficientCreditsError) as caught:
            async with low.stream_speech(SENTENCE, seed.NOIZ_VOICE_ID):
                pass
    assert caught.value.status == 402 and caught.value.code == "402"


async def test_noiz_rate_limit_inside_http_200(noiz: VoiceProvider, vocu_emulator: Any) -> None:
    message = "You've hit the rate limit. Please retry in 20 seconds"
    vocu_emulator.inject(Fault(path="/noiz/v1/*", status=200, code="429", message=message))
    with pytest.raises(errors.RateLimitError) as caught:
        await noiz.list_voices()
    assert caught.value.retry_after == 20
    vocu_emulator.inject(
        Fault(path="/noiz/v1/text-to-speech", status=200, code="0", message="odd", times=1)
    )
    vocu_emulator.inject(
        Fault(path="/noiz/v1/text-to-speech", status=200, message="rate limit, retry in 0 s")
    )
    with pytest.raises(errors.InvalidAudioError):  # code 0 but JSON: not audio
        await noiz.synthesize("One.", seed.NOIZ_VOICE_ID)
    assert mp3_seconds(await noiz.synthesize("Two.", seed.NOIZ_VOICE_ID)) > 0.2  # retried 429


async def test_noiz_soft_deleted_voice_is_gone(noiz: VoiceProvider, vocu_emulator: Any) -> None:
    await noiz.delete_voice(seed.NOIZ_VOICE_ID)
    stored = noiz_state(vocu_emulator).accounts[seed.NOIZ_KEY].voices[seed.NOIZ_VOICE_ID]
    assert stored["delete_time"]  # kept in storage, marked deleted
    with pytest.raises(errors.NotFoundError):
        await noiz.get_voice(seed.NOIZ_VOICE_ID)


# -- MiniMax specifics ----------------------------------------------------------------------


def _minimax(emulator: Any, token: str = seed.USEAPI_TOKEN, **kwargs: Any) -> VoiceProvider:
    return create_provider(
        "minimax", token, base_url=emulator.url("/useapi/v1/minimax"), retry=FAST_RETRY, **kwargs
    )


async def test_minimax_account_parameter(vocu_emulator: Any) -> None:
    async with _minimax(vocu_emulator, seed.USEAPI_MULTI_TOKEN) as unrouted:
        with pytest.raises(errors.ValidationError, match="account"):
            await unrouted.list_voices()
    account = seed.MINIMAX_ACCOUNTS_MULTI[1]
    async with _minimax(vocu_emulator, seed.USEAPI_MULTI_TOKEN, account=account) as routed:
        assert await routed.list_voices()
        await routed.synthesize("Routed.", seed.MINIMAX_CLONE_ID)
    queries = [r.query for r in vocu_emulator.requests if r.path.endswith("/audio/voices/")]
    assert queries[-1]["account"] == account
    assert minimax_state(vocu_emulator).mp3_requests[-1]["account"] == account


async def test_minimax_delete_is_idempotent(vocu_emulator: Any) -> None:
    async with _minimax(vocu_emulator) as provider:
        await provider.delete_voice(seed.MINIMAX_CLONE_ID)
        await provider.delete_voice(seed.MINIMAX_CLONE_ID)  # already gone: still fine
        await provider.delete_voice("never-existed")
        assert seed.MINIMAX_CLONE_ID not in {v.id for v in await provider.list_voices()}


async def test_minimax_downloads_audio_url_without_the_key(vocu_emulator: Any) -> None:
    options = SynthesisOptions(speed=0.8, language="ja", emotion=(9, 2, 0, 4, 10))
    async with _minimax(vocu_emulator) as provider:
        assert mp3_seconds(await provider.synthesize("Konnichiwa.", seed.MINIMAX_CLONE_ID, options))
    downloads = hits(vocu_emulator, "/useapi/cdn/minimax/*")
    assert len(downloads) == 1 and "Authorization" not in downloads[0].headers
    body = minimax_state(vocu_emulator).mp3_requests[-1]
    assert body["speed"] == 0.8 and body["language_boost"] == "Japanese"
    assert body["emotion"] == "angry"


async def test_minimax_download_retry_does_not_bill_again(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/useapi/cdn/minimax/*", drop_before_headers=True))
    async with _minimax(vocu_emulator) as provider:
        assert mp3_seconds(await provider.synthesize("Once.", seed.MINIMAX_CLONE_ID)) > 0.2
    assert len(hits(vocu_emulator, "/useapi/v1/minimax/audio/create-mp3")) == 1


async def test_minimax_clone_rejects_long_names_and_other_formats(vocu_emulator: Any) -> None:
    async with _minimax(vocu_emulator) as provider:
        with pytest.raises(errors.ValidationError, match="30"):
            await provider.clone_voice("x" * 31, WAV)
        with pytest.raises(errors.ValidationError, match="MP3 or WAV"):
            await provider.clone_voice("Flac", b"fLaC" + bytes(100))
    assert vocu_emulator.requests == []


def test_voice_model_keeps_vocu_readiness() -> None:
    assert Voice(id="a", name="A", status="pending").usable
    assert not Voice(id="a", name="A", status="ready").usable
    assert Voice(id="a", name="A", status="ready", ready=True).usable
