"""Every error class, retries, timeouts and broken streams, provoked through the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from vocu_client import RetryPolicy, SynthesisOptions, Timeouts, VocuClient, errors
from vocu_client._http import build_error
from vocu_emulator import seed
from vocu_emulator.faults import Fault

from .conftest import ClientFactory, requests_to

GET_PATH = "/api/tts/simple-generate.mp3"
POST_PATH = "/api/tts/simple-generate"


async def speak(client: VocuClient, text: str = "Hello there.", voice: str = seed.BOB_ID) -> bytes:
    async with client.stream_speech(text, voice) as stream:
        return b"".join([chunk async for chunk in stream])


async def test_unknown_key_is_an_authentication_error(make_client: ClientFactory) -> None:
    with pytest.raises(errors.AuthenticationError) as caught:
        await make_client("sk-not-a-real-key-123456").get_account()
    assert caught.value.status == 401 and caught.value.code == "AUTH_UNAUTHORIZED"
    assert caught.value.request_id and caught.value.message


async def test_insufficient_credits(make_client: ClientFactory) -> None:
    client = make_client(seed.LOW_CREDIT_TOKEN)
    with pytest.raises(errors.InsufficientCreditsError) as caught:
        await speak(client, "This sentence is longer than twelve characters.")
    assert caught.value.status == 403 and caught.value.code == "BILLING_INSUFFICIENT_CREDIT"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "AUTH_FORBIDDEN", errors.PermissionDeniedError),
        (403, "TTS_PAID_ONLY", errors.PaidOnlyError),
        (403, "BILLING_INSUFFICIENT_CREDIT", errors.InsufficientCreditsError),
        (404, "VOICE_NOT_FOUND", errors.NotFoundError),
        (409, "VOICE_CREATING", errors.VoiceNotReadyError),
        (400, "VOICE_NOT_TTS_READY", errors.VoiceNotReadyError),
        (400, "VOICE_CREATE_FAILED", errors.VoiceNotReadyError),
        (400, "VALIDATION_BAD_PARAMS", errors.ValidationError),
        (413, "UPLOAD_TOO_LARGE", errors.ValidationError),
        (422, "VALIDATION_INVALID_VALUE", errors.ValidationError),
        (429, "RATE_LIMIT_CONCURRENT", errors.RateLimitError),
        (500, "TTS_GENERATE_FAILED", errors.ServerError),
        (503, "NO_WORKER_AVAILABLE", errors.ServerError),
    ],
)
async def test_error_mapping_keyed_on_code_then_status(
    make_client: ClientFactory, vocu_emulator: Any, status: int, code: str, expected: type
) -> None:
    client = make_client(retry=RetryPolicy(attempts=1, synthesis_attempts=1))
    vocu_emulator.inject(Fault(status=status, code=code, message=f"injected {code}"))
    with pytest.raises(expected) as caught:
        await speak(client)
    assert type(caught.value) is expected
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.message == f"injected {code}" and caught.value.request_id


async def test_voice_states_map_to_voice_not_ready(client: VocuClient) -> None:
    for voice_id in (seed.CREATING_ID, seed.FAILED_ID):
        with pytest.raises(errors.VoiceNotReadyError):
            await speak(client, voice=voice_id)


def test_non_json_error_bodies_still_map() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = build_error(502, html, {"X-Vocu-App-Request-Id": "rid-1"})
    assert isinstance(error, errors.ServerError)
    assert (error.status, error.code, error.request_id) == (502, None, "rid-1")
    assert "502" in error.message
    legacy = build_error(401, b'{"error": {"message": "bad key"}}', {})
    assert isinstance(legacy, errors.AuthenticationError) and legacy.message == "bad key"
    with_id = build_error(404, b'{"status":404,"code":"X","message":"m","requestId":"r2"}', {})
    assert with_id.request_id == "r2"


async def test_reads_retry_server_errors_then_succeed(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path="/api/account/info", status=503, times=2))
    account = await client.get_account()
    assert account.user_id == seed.PAID_USER_ID
    assert len(requests_to(vocu_emulator, "/api/account/info")) == 3


async def test_reads_give_up_after_the_configured_attempts(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path="/api/voice", status=500, times=None))
    with pytest.raises(errors.ServerError):
        await client.list_voices()
    assert len(requests_to(vocu_emulator, "/api/voice")) == 3


async def test_reads_retry_a_connection_cut_mid_answer(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(path="/api/tts/presets", cut_after_bytes=5))
    assert await client.list_presets()
    assert len(requests_to(vocu_emulator, "/api/tts/presets")) == 2


async def test_delete_that_worked_before_the_answer_broke_counts_as_done(
    client: VocuClient, vocu_emulator: Any
) -> None:
    path = f"/api/voice/{seed.BOB_ID}"
    vocu_emulator.inject(Fault(path=path, method="DELETE", cut_after_bytes=3))
    await client.delete_voice(seed.BOB_ID)
    assert len(requests_to(vocu_emulator, path, "DELETE")) == 2
    with pytest.raises(errors.NotFoundError):
        await client.get_voice(seed.BOB_ID)


async def test_synthesis_is_not_retried_on_server_errors(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(status=500, times=1))
    with pytest.raises(errors.ServerError):
        await speak(client)
    assert len(requests_to(vocu_emulator, GET_PATH)) == 1


async def test_synthesis_retries_429_after_retry_after(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(status=429, code="RATE_LIMIT_CONCURRENT", retry_after=0.2))
    assert (await speak(client)).startswith((b"ID3", b"\xff"))
    assert len(requests_to(vocu_emulator, GET_PATH)) == 2


async def test_long_retry_after_is_not_waited_for(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(retry=RetryPolicy(synthesis_attempts=3, max_retry_after=1.0))
    vocu_emulator.inject(Fault(status=429, retry_after=120))
    with pytest.raises(errors.RateLimitError) as caught:
        await speak(client)
    assert caught.value.retry_after == 120
    assert len(requests_to(vocu_emulator, GET_PATH)) == 1


async def test_429_retries_are_bounded(client: VocuClient, vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(status=429, retry_after=0.01, times=None))
    with pytest.raises(errors.RateLimitError):
        await speak(client)
    assert len(requests_to(vocu_emulator, GET_PATH)) == 3


async def test_cut_stream_raises_interrupted_and_is_not_retried(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.set_pacing(chunk_bytes=1000)
    vocu_emulator.inject(Fault(cut_after_bytes=3000))
    received = 0
    with pytest.raises(errors.StreamInterruptedError) as caught:
        async with client.stream_speech("This stream will break.", seed.BOB_ID) as stream:
            async for chunk in stream:
                received += len(chunk)
    assert caught.value.bytes_received == received == 3000
    assert caught.value.request_id
    assert isinstance(caught.value, errors.ServiceConnectionError)
    assert len(requests_to(vocu_emulator, GET_PATH)) == 1


async def test_synthesize_does_not_retry_after_bytes(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(cut_after_bytes=500))
    with pytest.raises(errors.StreamInterruptedError):
        await client.synthesize("Billed once, never twice.", seed.BOB_ID)
    assert len(requests_to(vocu_emulator, GET_PATH)) == 1
    assert not requests_to(vocu_emulator, "/api/tts/generate")


async def test_slow_first_byte_times_out(make_client: ClientFactory, vocu_emulator: Any) -> None:
    client = make_client(timeouts=Timeouts(first_byte=0.3, idle=5))
    vocu_emulator.inject(Fault(first_byte_delay=3.0))
    with pytest.raises(errors.ServiceTimeoutError):
        await speak(client)
    assert len(requests_to(vocu_emulator, GET_PATH)) == 1  # a timeout spends the budget


async def test_hanging_service_times_out(make_client: ClientFactory, vocu_emulator: Any) -> None:
    client = make_client(timeouts=Timeouts(first_byte=0.3, idle=5))
    vocu_emulator.inject(Fault(hang=True))
    with pytest.raises(errors.ServiceTimeoutError):
        await speak(client)


async def test_reads_retry_after_a_hang(make_client: ClientFactory, vocu_emulator: Any) -> None:
    client = make_client(timeouts=Timeouts(first_byte=0.3, idle=5))
    vocu_emulator.inject(Fault(path="/api/account/info", hang=True))
    assert (await client.get_account()).user_id == seed.PAID_USER_ID


async def test_idle_gap_between_chunks_times_out(
    make_client: ClientFactory, vocu_emulator: Any
) -> None:
    client = make_client(timeouts=Timeouts(first_byte=5, idle=0.2))
    vocu_emulator.set_pacing(chunk_bytes=512, chunk_interval=2.0)
    received = 0
    with pytest.raises(errors.ServiceTimeoutError) as caught:
        async with client.stream_speech("Pauses forever.", seed.BOB_ID) as stream:
            async for chunk in stream:
                received += len(chunk)
    assert received == 512  # the first chunk played; the gap after it was too long
    assert caught.value.limit is errors.TimeoutLimit.IDLE


async def test_garbage_body_is_invalid_audio(client: VocuClient, vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(garbage=True))
    with pytest.raises(errors.InvalidAudioError):
        await speak(client)


async def test_unreachable_service_is_a_connection_error(make_client: ClientFactory) -> None:
    client = make_client(base_url="http://127.0.0.1:9")
    with pytest.raises(errors.ServiceConnectionError) as caught:
        await client.get_account()
    assert not isinstance(caught.value, errors.ServiceTimeoutError)
    with pytest.raises(errors.ServiceConnectionError):
        await speak(client)


# The POST form: aiohttp itself silently re-sends an idempotent GET once after such a drop, so
# only a POST shows our own retry policy at work.
POST_FORM = SynthesisOptions(language="en-us")


async def speak_post(client: VocuClient) -> bytes:
    async with client.stream_speech("Hello there.", seed.BOB_ID, POST_FORM) as stream:
        return b"".join([chunk async for chunk in stream])


async def test_synthesis_retried_after_connection_dropped_before_headers(
    client: VocuClient, vocu_emulator: Any
) -> None:
    """No status line came back, so nothing was generated or billed: one retry is safe."""
    vocu_emulator.inject(Fault(drop_before_headers=True))
    assert await speak_post(client)
    assert len(requests_to(vocu_emulator, POST_PATH)) == 2


async def test_persistent_drop_before_headers_is_a_connection_error(
    client: VocuClient, vocu_emulator: Any
) -> None:
    vocu_emulator.inject(Fault(drop_before_headers=True, times=None))
    with pytest.raises(errors.ServiceConnectionError) as caught:
        await speak_post(client)
    assert not isinstance(caught.value, errors.StreamInterruptedError | errors.ServiceTimeoutError)
    # Every try of the policy (synthesis_attempts=3), and no more.
    assert len(requests_to(vocu_emulator, POST_PATH)) == 3
