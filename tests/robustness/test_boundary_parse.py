"""The parse boundary: every odd answer shape is one UnexpectedResponseError, never a traceback.

Each case makes the emulator answer a real request with a body of the wrong shape (the `body`
fault keeps the status and the request id header), for every service's parsing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from vocu_client import RetryPolicy, Timeouts, VocuClient, errors
from vocu_client.providers import VoiceProvider, create_provider
from vocu_emulator import seed

FAST_RETRY = RetryPolicy(
    attempts=2, backoff=0.01, max_backoff=0.02, synthesis_attempts=2, max_retry_after=1.0
)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)
DEEP = "[" * 200_000 + "]" * 200_000

# (name, path glob, body, call)
Call = Callable[[VocuClient], Awaitable[Any]]
VOCU_CASES: list[tuple[str, str, str, Call]] = [
    ("voice data is a list", "/api/voice/*", '{"status":200,"data":[1,2]}',
     lambda c: c.get_voice(seed.BOB_ID)),
    ("voice data is a string", "/api/voice/*", '{"status":200,"data":"oops"}',
     lambda c: c.get_voice(seed.BOB_ID)),
    ("metadata is a string", "/api/voice/*",
     '{"status":200,"data":{"id":"v","metadata":"oops"}}', lambda c: c.get_voice(seed.BOB_ID)),
    ("prompts hold a number", "/api/voice/*",
     '{"status":200,"data":{"id":"v","metadata":{"prompts":[1]}}}',
     lambda c: c.get_voice(seed.BOB_ID)),
    ("voice list is an object", "/api/voice", '{"status":200,"data":{"a":1}}',
     lambda c: c.list_voices()),
    ("voice list holds strings", "/api/voice", '{"status":200,"data":["x"]}',
     lambda c: c.list_voices()),
    ("quota is 1e999", "/api/account/info",
     '{"status":200,"user":{"id":"u","quota":{"syncBaseConcurrent":1e999}}}',
     lambda c: c.get_account()),
    ("quota is NaN", "/api/account/info",
     '{"status":200,"user":{"id":"u","quota":{"lora":NaN}}}', lambda c: c.get_account()),
    ("credit is -Infinity", "/api/account/info",
     '{"status":200,"user":{"id":"u","credit":-Infinity}}', lambda c: c.get_account()),
    ("quota is a list", "/api/account/info", '{"status":200,"user":{"id":"u","quota":[]}}',
     lambda c: c.get_account()),
    ("user is a string", "/api/account/info", '{"status":200,"user":"me"}',
     lambda c: c.get_account()),
    ("200k-deep nesting", "/api/voice", DEEP, lambda c: c.list_voices()),
    ("200k-deep nesting inside data", "/api/voice/*",
     '{"status":200,"data":' + DEEP + "}", lambda c: c.get_voice(seed.BOB_ID)),
    ("job metadata is a list", "/api/tts/generate",
     '{"status":200,"data":[{"id":"j","metadata":[1]}]}', lambda c: c.list_jobs()),
    ("job contents hold a number", "/api/tts/generate",
     '{"status":200,"data":[{"id":"j","metadata":{"contents":[7]}}]}',
     lambda c: c.list_jobs()),
    ("preset list is a string", "/api/tts/presets", '{"status":200,"data":"all"}',
     lambda c: c.list_presets()),
    ("template contents hold a string", "/api/template",
     '{"status":200,"data":[{"id":"t","contents":["x"]}]}', lambda c: c.list_templates()),
    ("stream url data is a list", "/api/tts/simple-generate", '{"status":200,"data":[]}',
     lambda c: c.create_stream_url("Hello there.", seed.BOB_ID)),
    ("voice description is an object", "/api/voice/*",
     '{"status":200,"data":{"id":"v","description":{"x":1}}}',
     lambda c: c.get_voice(seed.BOB_ID)),
]  # fmt: skip


@pytest.fixture
async def vocu(vocu_emulator: Any) -> AsyncIterator[VocuClient]:
    client = VocuClient(
        seed.PAID_TOKEN, base_url=vocu_emulator.base_url, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY
    )
    yield client
    await client.close()


@pytest.mark.parametrize(("path", "body", "call"), [c[1:] for c in VOCU_CASES],
                         ids=[c[0] for c in VOCU_CASES])  # fmt: skip
async def test_vocu_odd_shapes_are_one_typed_error(
    vocu: VocuClient, vocu_emulator: Any, path: str, body: str, call: Call
) -> None:
    vocu_emulator.inject(path=path, body=body, times=None)
    with pytest.raises(errors.UnexpectedResponseError) as caught:
        await call(vocu)
    error = caught.value
    assert isinstance(error, errors.VoiceServiceError)
    assert error.provider == "vocu"
    assert "unexpected answer from the service" in str(error)
    # The request id the emulator stamped on the answer travels with the error.
    assert error.request_id and error.request_id in str(error)
    assert error.__cause__ is None


async def test_well_formed_answers_still_parse(vocu: VocuClient) -> None:
    """The boundary is not a blanket refusal: the seeded data parses as before."""
    voices = await vocu.list_voices()
    assert seed.BOB_ID in {voice.id for voice in voices}
    account = await vocu.get_account()
    assert account.quota.sync_concurrency >= 1


async def test_odd_speech_metadata_header_does_not_fail_the_audio(
    vocu: VocuClient, vocu_emulator: Any
) -> None:
    """X-Reecho-Response-Data is optional metadata beside audio already delivered: ignored."""
    from vocu_client.models import GenerationResult  # noqa: PLC0415

    result = GenerationResult.from_header('{"credit_used": 1e999, "id": [1]}', "aid", "rid")
    assert result.id == "aid" and result.request_id == "rid" and result.credit_used is None
    assert GenerationResult.from_header("[" * 5000 + "]" * 5000).id is None


PROVIDER_CASES: list[tuple[str, str, str, str, Callable[[VoiceProvider], Awaitable[Any]]]] = [
    ("noiz voice list items is an object", "noiz", "/noiz/v1/voices",
     '{"code":0,"data":{"voices":[{"voice_id":"n","language":{"x":1}}]}}',
     lambda p: p.list_voices()),
    ("noiz voice data is a list", "noiz", "/noiz/v1/voices/*", '{"code":0,"data":[1]}',
     lambda p: p.get_voice(seed.NOIZ_VOICE_ID)),
    ("noiz nesting", "noiz", "/noiz/v1/voices", DEEP, lambda p: p.list_voices()),
    ("minimax voice list holds numbers", "minimax", "/useapi/v1/minimax/audio/voices/",
     '{"voice_list":[1,2]}', lambda p: p.list_voices()),
    ("minimax voice list is a string", "minimax", "/useapi/v1/minimax/audio/voices/",
     '{"voice_list":"x"}', lambda p: p.list_voices(include_builtin=False)),
    ("minimax audio_url is an object", "minimax", "/useapi/v1/minimax/audio/create-mp3",
     '{"audio_url":{"u":1}}', lambda p: p.create_stream_url("Hello.", seed.MINIMAX_CLONE_ID)),
    ("minimax nesting", "minimax", "/useapi/v1/minimax/audio/voices/", DEEP,
     lambda p: p.list_voices()),
    ("minimax official voices hold numbers", "minimax_official", "/minimax/v1/get_voice",
     '{"base_resp":{"status_code":0},"voice_cloning":[1]}', lambda p: p.list_voices()),
    ("minimax official system list is a string", "minimax_official", "/minimax/v1/get_voice",
     '{"base_resp":{"status_code":0},"system_voice":"x"}', lambda p: p.list_voices()),
]  # fmt: skip

_PROVIDER_SETUP = {
    "noiz": (seed.NOIZ_KEY, "/noiz/v1"),
    "minimax": (seed.USEAPI_TOKEN, "/useapi/v1/minimax"),
    "minimax_official": (seed.MINIMAX_API_KEY, "/minimax"),
}


@pytest.mark.parametrize(("name", "path", "body", "call"), [c[1:] for c in PROVIDER_CASES],
                         ids=[c[0] for c in PROVIDER_CASES])  # fmt: skip
async def test_provider_odd_shapes_are_one_typed_error(
    vocu_emulator: Any,
    name: str,
    path: str,
    body: str,
    call: Callable[[VoiceProvider], Awaitable[Any]],
) -> None:
    key, prefix = _PROVIDER_SETUP[name]
    vocu_emulator.inject(path=path, body=body, times=None)
    async with create_provider(
        name, key, base_url=vocu_emulator.url(prefix), timeouts=FAST_TIMEOUTS, retry=FAST_RETRY
    ) as provider:
        with pytest.raises(errors.UnexpectedResponseError) as caught:
            await call(provider)
    assert caught.value.provider == name
    assert "unexpected answer from the service" in str(caught.value)
