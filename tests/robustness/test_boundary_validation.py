"""Refused before sending: an empty voice, an out-of-range seed, an unknown clone language
(before the sample is uploaded) and a negative page size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from vocu_client import RetryPolicy, SynthesisOptions, Timeouts, VocuClient, errors, wire
from vocu_client.cli import main
from vocu_client.providers import VoiceProvider, create_provider
from vocu_emulator import seed

FAST_RETRY = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000)
_PROVIDERS = {
    "vocu": (seed.PAID_TOKEN, "", seed.BOB_ID),
    "noiz": (seed.NOIZ_KEY, "/noiz/v1", seed.NOIZ_VOICE_ID),
    "minimax": (seed.USEAPI_TOKEN, "/useapi/v1/minimax", seed.MINIMAX_CLONE_ID),
    "minimax_official": (seed.MINIMAX_API_KEY, "/minimax", seed.MINIMAX_OFFICIAL_CLONE_ID),
}


@pytest.fixture(params=list(_PROVIDERS))
async def provider(request: pytest.FixtureRequest, vocu_emulator: Any) -> AsyncIterator[Any]:
    key, prefix, _ = _PROVIDERS[request.param]
    async with create_provider(
        request.param,
        key,
        base_url=vocu_emulator.url(prefix),
        timeouts=FAST_TIMEOUTS,
        retry=FAST_RETRY,
    ) as made:
        yield made


@pytest.mark.parametrize("voice", ["", "   "])
async def test_empty_voice_is_refused_before_sending(
    provider: VoiceProvider, vocu_emulator: Any, voice: str
) -> None:
    with pytest.raises(errors.ValidationError, match="voice id is empty"):
        await provider.synthesize("Hello there.", voice)
    with pytest.raises(errors.ValidationError):
        async with provider.stream_speech("Hello there.", voice):
            pass
    assert vocu_emulator.requests == []


@pytest.mark.parametrize("seed_value", [2**31, 10**30, -5, -2])
async def test_out_of_range_seed_is_refused_before_sending(
    provider: VoiceProvider, vocu_emulator: Any, seed_value: int
) -> None:
    voice = _PROVIDERS[provider.name][2]
    with pytest.raises(errors.ValidationError, match="seed"):
        await provider.synthesize("Hello there.", voice, SynthesisOptions(seed=seed_value))
    assert vocu_emulator.requests == []


@pytest.mark.parametrize("seed_value", [-1, 0, 2**31 - 1])
def test_seeds_in_the_options_form_range_pass(seed_value: int) -> None:
    wire.validate("Hello.", SynthesisOptions(seed=seed_value), None, seed.BOB_ID)


async def test_unknown_clone_language_is_refused_before_the_upload(
    provider: VoiceProvider, vocu_emulator: Any
) -> None:
    with pytest.raises(errors.ValidationError, match="xx-evil"):
        await provider.clone_voice("Evil", WAV, language="xx-evil")
    assert vocu_emulator.requests == []
    # Our codes and the service's own names still pass.
    voice = await provider.clone_voice("Fine", WAV, language="en-us")
    assert voice.name == "Fine"


async def test_vocu_client_clone_language_and_page_checks(vocu_emulator: Any) -> None:
    async with VocuClient(
        seed.PAID_TOKEN, base_url=vocu_emulator.base_url, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY
    ) as client:
        with pytest.raises(errors.ValidationError):
            await client.create_voice("Evil", WAV, language="xx-evil")
        for limit, offset in ((-5, 0), (0, 0), (20, -1)):
            with pytest.raises(errors.ValidationError):
                await client.list_jobs(limit=limit, offset=offset)
        with pytest.raises(errors.ValidationError):
            await client.list_templates(limit=-5)
        assert vocu_emulator.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["say", "Hello.", "--voice", "", "-o", "{out}"],
        ["jobs", "list", "--limit", "-5"],
        ["jobs", "list", "--offset", "-1"],
        ["clone", "{wav}", "--name", "Evil", "--language", "xx-evil"],
    ],
)
def test_cli_refuses_before_sending(
    vocu_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    wav = tmp_path / "sample.wav"
    wav.write_bytes(WAV)
    argv = [a.format(out=tmp_path / "out.mp3", wav=wav) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse refuses a bad number itself
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err and "Traceback" not in err
    assert vocu_emulator.requests == []
    assert not (tmp_path / "out.mp3").exists()
