"""Ids placed in URL paths never leave their resource: `..`, `.` and empty ids are refused
before anything is sent, for every service, through the client and the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from vocu_client import RetryPolicy, Timeouts, VocuClient, errors
from vocu_client.cli import main
from vocu_client.providers import VoiceProvider, create_provider
from vocu_emulator import seed

FAST_RETRY = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02)
FAST_TIMEOUTS = Timeouts(connect=5.0, first_byte=10.0, idle=5.0, total=None)
BAD_IDS = ["..", ".", "", "  ", " .. ", "\n"]

VOCU_CALLS: dict[str, Callable[[VocuClient, str], Awaitable[Any]]] = {
    "delete_voice": lambda c, i: c.delete_voice(i),
    "get_voice": lambda c, i: c.get_voice(i),
    "update_voice": lambda c, i: c.update_voice(i, name="x"),
    "delete_style": lambda c, i: c.delete_style(seed.BOB_ID, i),
    "delete_style_of": lambda c, i: c.delete_style(i, "default"),
    "style_transcript": lambda c, i: c.get_style_transcript(seed.BOB_ID, i),
    "get_job": lambda c, i: c.get_job(i),
    "delete_job": lambda c, i: c.delete_job(i),
    "get_template": lambda c, i: c.get_template(i),
    "delete_template": lambda c, i: c.delete_template(i),
}


@pytest.fixture
async def vocu(vocu_emulator: Any) -> AsyncIterator[VocuClient]:
    client = VocuClient(
        seed.PAID_TOKEN, base_url=vocu_emulator.base_url, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY
    )
    yield client
    await client.close()


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("call", list(VOCU_CALLS))
async def test_vocu_refuses_ids_that_escape_their_resource(
    vocu: VocuClient, vocu_emulator: Any, call: str, bad_id: str
) -> None:
    with pytest.raises(errors.ValidationError):
        await VOCU_CALLS[call](vocu, bad_id)
    assert vocu_emulator.requests == []


async def test_odd_but_valid_ids_are_encoded_not_refused(
    vocu: VocuClient, vocu_emulator: Any
) -> None:
    for odd in ("a/../..", "%2e%2e", "..%2F", "x?y#z"):
        with pytest.raises(errors.NotFoundError):
            await vocu.get_voice(odd)
    paths = [r.path for r in vocu_emulator.requests]
    assert len(paths) == 4 and all(path.startswith("/api/voice/") for path in paths)
    # A market id keeps its colon, as the service expects.
    voice = await vocu.get_voice(seed.MARKET_ID)
    assert voice.id == seed.MARKET_ID


_PROVIDERS = {
    "noiz": (seed.NOIZ_KEY, "/noiz/v1"),
    "minimax": (seed.USEAPI_TOKEN, "/useapi/v1/minimax"),
    "minimax_official": (seed.MINIMAX_API_KEY, "/minimax"),
    "vocu": (seed.PAID_TOKEN, ""),
}


@pytest.fixture(params=list(_PROVIDERS))
async def provider(request: pytest.FixtureRequest, vocu_emulator: Any) -> AsyncIterator[Any]:
    key, prefix = _PROVIDERS[request.param]
    async with create_provider(
        request.param,
        key,
        base_url=vocu_emulator.url(prefix),
        timeouts=FAST_TIMEOUTS,
        retry=FAST_RETRY,
    ) as made:
        yield made


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_every_provider_refuses_bad_ids_before_sending(
    provider: VoiceProvider, vocu_emulator: Any, bad_id: str
) -> None:
    with pytest.raises(errors.ValidationError) as refused:
        await provider.delete_voice(bad_id)
    assert refused.value.provider == provider.name
    if not provider.name.startswith("minimax"):  # minimax: no single-voice endpoint (a list)
        with pytest.raises(errors.ValidationError):
            await provider.get_voice(bad_id)
    assert vocu_emulator.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["delete", ".."],
        ["delete", "."],
        ["delete", ""],
        ["jobs", "get", ".."],
        ["jobs", "delete", ".."],
        ["jobs", "wait", "."],
    ],
)
def test_cli_refuses_bad_ids_with_one_line(
    vocu_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("vocu: invalid request:") and captured.err.count("\n") == 1
    assert "deleted" not in captured.err + captured.out
    assert vocu_emulator.requests == []
