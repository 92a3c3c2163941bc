"""The `vocu` command line under failure: signals, cut streams, bad output paths, bad input.

Signal and pipe tests run the real CLI as a subprocess against the emulator; the old file at the
output path must survive every failure, and no partial file may remain beside it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import mutagen.mp3
import pytest
from vocu_client import VocuClient, errors
from vocu_client.cli import main
from vocu_client.streaming import looks_like_mp3
from vocu_emulator import seed

VOCU = str(Path(sys.executable).parent / "vocu")
OLD = b"the previous, complete file"
LONG_TEXT = "This sentence is spoken slowly so the test can interrupt it. " * 12
SAY = "/api/tts/simple-generate*"


def env_for(emulator: Any, token: str = seed.PAID_TOKEN) -> dict[str, str]:
    return {**os.environ, "VOCU_TOKEN": token, "VOCU_BASE_URL": emulator.base_url}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def synth_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.startswith("/api/tts/simple-generate")]


@pytest.fixture
def cli_env(vocu_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VOCU_TOKEN", seed.PAID_TOKEN)
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    return vocu_emulator


# -- atomic output ----------------------------------------------------------------------------


def test_cut_stream_keeps_the_existing_file(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "speech.mp3"
    out.write_bytes(OLD)
    cli_env.inject(path=SAY, cut_after_bytes=3000, times=None)
    code = main(["say", "A sentence that will be cut off.", "--voice", seed.BOB_ID, "-o", str(out)])
    assert code == 10
    assert out.read_bytes() == OLD
    assert leftovers(tmp_path) == []
    assert capsys.readouterr().err.count("\n") == 1


def test_success_replaces_the_file_with_its_mode(cli_env: Any, tmp_path: Path) -> None:
    out = tmp_path / "speech.mp3"
    out.write_bytes(OLD)
    out.chmod(0o640)
    assert main(["say", "A complete sentence.", "--voice", seed.BOB_ID, "-o", str(out)]) == 0
    assert mutagen.mp3.MP3(out).info.length > 0.1
    assert out.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["missing_dir", "directory"])
def test_bad_output_path_fails_before_any_request(
    cli_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    target = tmp_path / "nope" / "out.mp3" if where == "missing_dir" else tmp_path
    before = cli_env.state.account(seed.PAID_TOKEN).balance
    assert main(["say", "Billed if sent.", "--voice", seed.BOB_ID, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vocu: invalid request: cannot write") and err.count("\n") == 1
    assert cli_env.requests == []  # nothing sent, nothing billed
    assert cli_env.state.account(seed.PAID_TOKEN).balance == before


def test_devices_and_fifos_are_written_directly(cli_env: Any, tmp_path: Path) -> None:
    assert main(["say", "Into the void.", "--voice", seed.BOB_ID, "-o", os.devnull]) == 0
    fifo = tmp_path / "pipe.mp3"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main(["say", "Through a pipe.", "--voice", seed.BOB_ID, "-o", str(fifo)]) == 0
    reader.join(timeout=30)
    assert received and looks_like_mp3(received[0][:3])
    assert fifo.is_fifo() and leftovers(tmp_path) == []


# -- signals (real subprocess) ------------------------------------------------------------------


def _wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the CLI")
        time.sleep(0.05)


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("existing", [True, False])
def test_signal_mid_stream_leaves_no_partial_file(
    vocu_emulator: Any, tmp_path: Path, signum: int, existing: bool
) -> None:
    vocu_emulator.set_pacing(first_byte_delay=0.05, chunk_interval=0.2, chunk_bytes=512)
    out = tmp_path / "speech.mp3"
    if existing:
        out.write_bytes(OLD)
    process = subprocess.Popen(
        [VOCU, "say", LONG_TEXT, "--voice", seed.BOB_ID, "-o", str(out)],
        env=env_for(vocu_emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # Audio is arriving: the temporary file beside the target has bytes in it.
        _wait_for(lambda: any((tmp_path / n).stat().st_size > 0 for n in leftovers(tmp_path)))
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, stderr
    assert b"Traceback" not in stderr and stderr.decode().count("\n") == 1
    assert leftovers(tmp_path) == []
    if existing:
        assert out.read_bytes() == OLD
    else:
        assert not out.exists()


@pytest.mark.e2e
def test_broken_pipe_is_one_line(vocu_emulator: Any) -> None:
    """`vocu say -o - | head -c 10`."""
    vocu_emulator.set_pacing(first_byte_delay=0.05, chunk_interval=0.05, chunk_bytes=1024)
    process = subprocess.Popen(
        [VOCU, "say", LONG_TEXT, "--voice", seed.BOB_ID, "-o", "-"],
        env=env_for(vocu_emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    head = process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=60)
    assert len(head) == 10
    assert process.returncode == 128 + signal.SIGPIPE
    assert b"Traceback" not in stderr and stderr.decode().count("\n") == 1, stderr


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_invalid_utf8_on_stdin_and_in_argv(vocu_emulator: Any, tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    runs = [
        ([VOCU, "say", "-", "--voice", seed.BOB_ID, "-o", str(out)], b"caf\xe9 \xff\xfe"),
        ([VOCU.encode(), b"say", b"caf\xe9", b"--voice", seed.BOB_ID.encode(), b"-o", b"-"], b""),
    ]
    for argv, stdin in runs:
        done = subprocess.run(
            argv,
            input=stdin,
            env=env_for(vocu_emulator),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert b"not valid UTF-8" in done.stderr and done.stderr.count(b"\n") == 1
    assert synth_requests(vocu_emulator) == []
    assert not out.exists()


def test_key_with_a_line_break_is_refused_at_load(
    vocu_emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOCU_BASE_URL", vocu_emulator.base_url)
    monkeypatch.setenv("VOCU_TOKEN", f"{seed.PAID_TOKEN}\r\nX-Evil: 1")
    assert main(["voices"]) == 3
    err = capsys.readouterr().err
    assert "line break" in err and err.count("\n") == 1 and seed.PAID_TOKEN not in err
    assert vocu_emulator.requests == []
    with pytest.raises(errors.AuthenticationError, match="line break") as refused:
        VocuClient(f"{seed.PAID_TOKEN}\nX")
    assert seed.PAID_TOKEN not in str(refused.value)


def test_clone_from_an_endless_file_is_capped(
    cli_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clone", "/dev/zero", "--name", "Zero"]) == 2
    err = capsys.readouterr().err
    assert "larger than 50 MB" in err and err.count("\n") == 1
    assert cli_env.requests == []
