"""The canary key of Noiz, MiniMax via useapi.net and MiniMax never reaches a log line, exception,
repr or CLI output."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from vocu_client import RetryPolicy, errors
from vocu_client.cli import main
from vocu_client.providers import create_provider
from vocu_emulator import Fault, seed
from vocu_emulator.routes_minimax import Token, minimax_state
from vocu_emulator.routes_minimax_official import Key, official_state
from vocu_emulator.routes_noiz import NoizAccount, noiz_state

FAST_RETRY = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02, synthesis_attempts=2)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[_Collect]:
    caplog.set_level(logging.DEBUG)
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def _everything(error: BaseException) -> str:
    parts = [str(error), repr(error), *map(repr, error.args), *map(str, vars(error).values())]
    return "\n".join(parts)


def _grant(emulator: Any, provider: str, canary: str) -> None:
    if provider == "noiz":
        state = noiz_state(emulator)
        state.accounts[canary] = NoizAccount(
            canary, 10_000, dict(state.accounts[seed.NOIZ_KEY].voices)
        )
    elif provider == "minimax_official":
        official = official_state(emulator)
        key = Key(canary, "minimax")
        key.clones = dict(official.keys[seed.MINIMAX_API_KEY].clones)
        official.keys[canary] = key
    else:
        state = minimax_state(emulator)
        state.tokens[canary] = Token(canary, (seed.MINIMAX_ACCOUNT,))


@pytest.mark.parametrize(
    "case",
    [
        ("noiz", "/noiz/v1", seed.NOIZ_VOICE_ID, "NOIZ_API_KEY"),
        ("minimax", "/useapi/v1/minimax", seed.MINIMAX_CLONE_ID, "USEAPI_TOKEN"),
        ("minimax_official", "/minimax", seed.MINIMAX_OFFICIAL_CLONE_ID, "MINIMAX_API_KEY"),
    ],
)
async def test_canary_key_never_leaks(
    vocu_emulator: Any,
    logs: _Collect,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str, str, str],
) -> None:
    provider, prefix, voice, env = case
    # Shaped like each service's keys (Noiz base64, useapi "user:…") so redaction is realistic.
    canary = {
        "minimax": f"user:9-canary{uuid.uuid4().hex}",
        "minimax_official": f"eyJhbGciOiJSUzI1NiJ9.canary{uuid.uuid4().hex}",
    }.get(provider, uuid.uuid4().hex * 2)
    seen: list[str] = []
    base_url = vocu_emulator.url(prefix)
    async with create_provider(provider, canary, base_url=base_url, retry=FAST_RETRY) as client:
        seen.append(repr(client) + str(client) + repr(vars(client)))
        with pytest.raises(errors.AuthenticationError) as unauthorised:
            await client.list_voices()
        seen.append(_everything(unauthorised.value))
        _grant(vocu_emulator, provider, canary)
        await client.synthesize("Fine.", voice)
        vocu_emulator.inject(Fault(path=f"{prefix}/*", status=400, message=f"bad key {canary}"))
        with pytest.raises(errors.ValidationError) as echoed:
            await client.list_voices()
        seen.append(_everything(echoed.value))
        vocu_emulator.inject(Fault(path=f"{prefix}/*", status=500, times=None))
        with pytest.raises(errors.ServerError) as server:
            await client.list_voices()
        seen.append(_everything(server.value))
        vocu_emulator.clear_faults()
    monkeypatch.setenv(env, canary)
    argv = ["--provider", provider, "--base-url", base_url, "say", "x", "--voice", "nope"]
    assert await asyncio.to_thread(main, [*argv, "-o", "-"]) == 6
    captured = capsys.readouterr()
    seen += [captured.out, captured.err, *logs.lines]
    assert any("POST" in line for line in logs.lines)  # debug logging really was captured
    blob = "\n".join(seen)
    assert canary not in blob and canary[-16:] not in blob
