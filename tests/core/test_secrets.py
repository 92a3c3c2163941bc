"""The API key (and signed URLs' auth) must appear in no log line, exception, repr or output."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from vocu_client import VocuClient, errors
from vocu_client.cli import main
from vocu_client.redact import redact_text, redact_url
from vocu_emulator import seed
from vocu_emulator.faults import Fault

from .conftest import ClientFactory


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[_Collect]:
    """Every record at DEBUG, formatted with its traceback, from the root logger down."""
    caplog.set_level(logging.DEBUG)
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _everything(error: BaseException) -> str:
    parts = [str(error), repr(error), *map(str, error.args), *map(repr, error.args)]
    parts += [str(value) for value in vars(error).values()]
    if error.__cause__ is not None:
        parts.append(_everything(error.__cause__))
    if error.__context__ is not None and error.__context__ is not error.__cause__:
        parts.append(_everything(error.__context__))
    return "\n".join(parts)


async def test_canary_key_never_leaks(
    make_client: ClientFactory,
    vocu_emulator: Any,
    all_logs: _Collect,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    canary = f"sk-canary-{uuid.uuid4().hex}"
    seen: list[str] = []

    # 401 for an unknown key.
    stranger = make_client(canary)
    seen.append(repr(stranger) + str(stranger))
    with pytest.raises(errors.AuthenticationError) as unauthorised:
        await stranger.get_account()
    seen.append(_everything(unauthorised.value))

    # Give the canary a real account so the service-side failures can happen too.
    with vocu_emulator.state.lock:
        account = copy.deepcopy(vocu_emulator.state.accounts[seed.PAID_TOKEN])
        account.token = canary
        vocu_emulator.state.accounts[canary] = account
    client = make_client(canary)

    vocu_emulator.inject(Fault(path="/api/voice", status=500, times=None))
    with pytest.raises(errors.ServerError) as server_error:
        await client.list_voices()
    seen.append(_everything(server_error.value))

    vocu_emulator.inject(Fault(status=400, message=f"bad key Bearer {canary} in {canary}"))
    with pytest.raises(errors.ValidationError) as echoed:
        async with client.stream_speech("Echo.", seed.BOB_ID):
            pass
    seen.append(_everything(echoed.value))

    vocu_emulator.inject(Fault(cut_after_bytes=100))
    with pytest.raises(errors.StreamInterruptedError) as cut:
        async with client.stream_speech("Cut short.", seed.BOB_ID) as stream:
            async for _ in stream:
                pass
    seen.append(_everything(cut.value))
    try:
        raise cut.value
    except errors.StreamInterruptedError:
        logging.getLogger("test").exception("logged with traceback")

    result = await client.create_stream_url("Signed.", seed.BOB_ID)
    signature = parse_qs(urlsplit(result.playable_url or "").query)["auth"][0]
    await client.download(result.playable_url or "")

    assert (
        await main_with(canary, vocu_emulator.base_url, ["say", "x", "--voice", "nope", "-o", "-"])
        == 6
    )
    captured = capsys.readouterr()
    seen += [captured.out, captured.err]
    seen += [*all_logs.lines, caplog.text]

    assert any("GET" in line for line in all_logs.lines)  # debug logging really was captured
    blob = "\n".join(seen)
    assert canary not in blob
    assert canary[-20:] not in blob
    assert signature not in "\n".join(all_logs.lines)


async def main_with(token: str, base_url: str, argv: list[str]) -> int:
    """Run the CLI in a worker thread (it owns an event loop) with the given environment."""
    old = {k: os.environ.get(k) for k in ("VOCU_TOKEN", "VOCU_BASE_URL")}
    os.environ.update({"VOCU_TOKEN": token, "VOCU_BASE_URL": base_url})
    try:
        return await asyncio.to_thread(main, argv)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_redaction_helpers() -> None:
    url = "https://storage.vocu.ai/generate/a/stream.mp3?auth=secret-sig&x=1"
    assert "secret-sig" not in redact_url(url) and "x=1" in redact_url(url)
    assert "secret-sig" not in redact_text(f"GET {url} failed")
    assert "sk-abc123" not in redact_text("Authorization: Bearer sk-abc123")
    assert "sk-canary-xyz" not in redact_text("key sk-canary-xyz!", ["sk-canary-xyz"])
    assert redact_url("https://v1.vocu.ai/api/voice") == "https://v1.vocu.ai/api/voice"


def test_repr_of_client_hides_the_key() -> None:
    client = VocuClient("sk-super-secret-key-0001", base_url="vocu.studio")
    assert "sk-super-secret" not in repr(client) + str(client) + repr(vars(client))
    assert client.base_url == "https://v1.vocu.studio"


async def test_canary_key_in_the_token_query_never_leaks(
    make_client: ClientFactory, vocu_emulator: Any, all_logs: _Collect
) -> None:
    """GET simple-generate with `?token=` (reading get_auth=other): the URL stays redacted."""
    canary = f"sk-canary-{uuid.uuid4().hex}"
    with vocu_emulator.state.lock:
        account = copy.deepcopy(vocu_emulator.state.accounts[seed.PAID_TOKEN])
        account.token = canary
        vocu_emulator.state.accounts[canary] = account
    vocu_emulator.set_readings(get_auth="other")
    client = make_client(canary)
    assert (await client.synthesize("Works.", seed.BOB_ID))[:3] == b"ID3"
    seen: list[str] = []
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate*", status=500, message="boom"))
    with pytest.raises(errors.ServerError) as server_error:
        await client.synthesize("Fails.", seed.BOB_ID)
    seen.append(_everything(server_error.value))
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate*", cut_after_bytes=100))
    with pytest.raises(errors.StreamInterruptedError) as cut:
        await client.synthesize("Cut short, with some more words.", seed.BOB_ID)
    seen.append(_everything(cut.value))
    vocu_emulator.inject(Fault(path="/api/tts/simple-generate*", drop_before_headers=True, times=9))
    with pytest.raises(errors.ServiceConnectionError) as dropped:
        await client.synthesize("Dropped.", seed.BOB_ID)
    seen.append(_everything(dropped.value))
    seen += all_logs.lines
    seen.append(repr(vocu_emulator.requests))
    assert any("token" in line for line in all_logs.lines)  # the query form was really used
    blob = "\n".join(seen)
    assert canary not in blob
    assert canary[-20:] not in blob
