"""The emulator's adversarial faults behave as documented (echoed key, endless, trickle, gzip
bomb, unclean end), and an echoed key reaches no error, log line or CLI output of ours."""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
from typing import Any

import aiohttp
import pytest
from transport_support import SERVICES, provider_on
from vocu_client import errors
from vocu_emulator import seed
from vocu_emulator.faults import Fault

AUTH = {"Authorization": f"Bearer {seed.PAID_TOKEN}"}


async def test_echo_key_error_puts_the_key_in_every_field(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/api/voice", status=400, echo_key=True))
    async with (
        aiohttp.ClientSession() as http,
        http.get(vocu_emulator.url("/api/voice"), headers=AUTH) as answer,
    ):
        body = await answer.json()
    assert answer.status == 400
    assert seed.PAID_TOKEN in answer.headers["X-Vocu-App-Request-Id"]
    for field in ("code", "message", "requestId"):
        assert seed.PAID_TOKEN in body[field], field


async def test_endless_json_never_ends(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/api/voice", endless="json"))
    async with (
        aiohttp.ClientSession() as http,
        http.get(vocu_emulator.url("/api/voice"), headers=AUTH) as answer,
    ):
        received = 0
        while received < 4 * 1024 * 1024:
            chunk = await answer.content.readany()
            assert chunk, "the endless body ended"
            received += len(chunk)
        answer.close()


async def test_trickle_sends_one_byte_at_a_time(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/api/account/info", trickle_interval=0.05))
    async with (
        aiohttp.ClientSession() as http,
        http.get(vocu_emulator.url("/api/account/info"), headers=AUTH) as answer,
    ):
        started = time.monotonic()
        first = await answer.content.readany()
        await asyncio.sleep(0.3)
        later = await answer.content.readany()
        answer.close()
    assert len(first) == 1 and 1 <= len(later) <= 12
    assert time.monotonic() - started < 5


async def test_gzip_bomb_inflates_far_beyond_its_size(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(path="/api/voice", gzip_bomb=8 * 1024 * 1024))
    async with (
        aiohttp.ClientSession(auto_decompress=False) as http,
        http.get(vocu_emulator.url("/api/voice"), headers=AUTH) as answer,
    ):
        raw = await answer.read()
    assert answer.headers["Content-Encoding"] == "gzip"
    assert len(raw) < 64 * 1024 and len(gzip.decompress(raw)) >= 8 * 1024 * 1024


async def test_unclean_end_has_neither_length_nor_chunking(vocu_emulator: Any) -> None:
    vocu_emulator.inject(Fault(unclean_end=True))
    params = {"text": "An unclean end.", "voiceId": seed.BOB_ID}
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            vocu_emulator.url("/api/tts/simple-generate.mp3"), params=params, headers=AUTH
        ) as answer,
    ):
        body = await answer.read()  # close-delimited: aiohttp sees a normal end
    assert "Content-Length" not in answer.headers
    assert "Transfer-Encoding" not in answer.headers
    assert body[:3] == b"ID3" or body[:1] == b"\xff"
    vocu_emulator.reset()
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            vocu_emulator.url("/api/tts/simple-generate.mp3"), params=params, headers=AUTH
        ) as whole,
    ):
        assert len(body) < len(await whole.read())


def _everything(error: BaseException) -> str:
    return "\n".join(
        [str(error), repr(error), *map(str, error.args), *(str(v) for v in vars(error).values())]
    )


@pytest.mark.parametrize("service", list(SERVICES))
async def test_an_echoed_key_reaches_no_error_or_log(
    vocu_emulator: Any, service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vocu_client")
    key, _, voices, billed, _, voice = SERVICES[service]
    seen: list[str] = []
    async with provider_on(vocu_emulator, service) as provider:
        vocu_emulator.inject(Fault(path=voices, status=400, echo_key=True, times=None))
        with pytest.raises(errors.VoiceServiceError) as listed:
            await provider.list_voices()
        seen.append(_everything(listed.value))
        vocu_emulator.reset()
        vocu_emulator.inject(Fault(path=billed, status=429, echo_key=True, times=None))
        with pytest.raises(errors.RateLimitError) as spoken:
            await provider.synthesize("Echo.", voice)
        seen.append(_everything(spoken.value))
        vocu_emulator.reset()
        vocu_emulator.inject(Fault(path=billed, echo_key=True))  # a 200 with an echoed id
        await provider.synthesize("Echo.", voice)
    seen.append(caplog.text)
    blob = "\n".join(seen)
    assert key not in blob and key[-8:] not in blob and key[:12] not in blob


@pytest.mark.parametrize(
    ("argv", "path"), [(["voices"], "/api/voice"), (["account"], "/api/account/info")]
)
async def test_the_cli_prints_no_echoed_key(
    vocu_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    path: str,
) -> None:
    from vocu_client.cli import main  # noqa: PLC0415 - the CLI owns an event loop: a thread

    vocu_emulator.inject(Fault(path=path, status=400, echo_key=True, times=None))
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    assert await asyncio.to_thread(main, argv) == 2
    printed = capsys.readouterr()
    assert "request id" in printed.err  # the request id is still shown...
    assert seed.PAID_TOKEN[-8:] not in printed.out + printed.err  # ...without the key
