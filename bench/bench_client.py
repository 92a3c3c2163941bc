"""Core client: time to first MP3 byte vs the upstream's own, and memory while streaming long text.

Run: .venv/bin/python bench/bench_client.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EMULATOR_ARGS, machine_line, median_of, ratio, upstream_first_byte
from vocu_client import VocuClient
from vocu_devtools.emulator_process import running_emulator
from vocu_emulator import seed

RUNS = 5
LONG_TEXT_CHARS = 20_000


async def client_first_byte(base_url: str, text: str, *, drain: bool = True) -> float:
    """Seconds until the first MP3 chunk out of an in-process `VocuClient.stream_speech`."""
    async with VocuClient(seed.PAID_TOKEN, base_url=base_url) as client:
        start = time.perf_counter()
        async with client.stream_speech(text, seed.ALICE_ID) as stream:
            async for _chunk in stream:
                first = time.perf_counter() - start
                break
            if drain:
                async for _chunk in stream:
                    pass
    return first


def cli_env(base_url: str) -> dict[str, str]:
    return {**os.environ, "VOCU_TOKEN": seed.PAID_TOKEN, "VOCU_BASE_URL": base_url}


async def cli_first_byte(base_url: str, text: str) -> float:
    """Seconds from spawning `vocu say ... --output -` to its first MP3 byte on stdout.

    Includes the interpreter's start-up: that is what a person or a shell script waits for.
    """
    vocu = Path(sys.executable).with_name("vocu")
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(vocu), "say", text, "--voice", seed.ALICE_ID, "--output", "-",
        env=cli_env(base_url), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    first_chunk = await process.stdout.read(1)
    first = time.perf_counter() - start
    # Hang up once the first byte is in: the rest of the answer would not change the figure.
    process.kill()
    await process.wait()
    if not first_chunk:
        raise RuntimeError(f"`vocu say` wrote nothing (exit {process.returncode})")
    return first


def long_text(chars: int) -> str:
    sentence = "The quick brown fox jumps over the lazy dog near the quiet river bank. "
    return (sentence * (chars // len(sentence) + 1))[:chars]


def cli_peak_memory(base_url: str, chars: int) -> tuple[int, int]:
    """Peak RSS (KiB) of `vocu say` streaming `chars` characters to a file, and the file's size."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "long.mp3"
        env = cli_env(base_url)
        vocu = Path(sys.executable).with_name("vocu")
        # A fresh interpreter per measurement, so RUSAGE_CHILDREN's maximum is this run's.
        code = (
            "import resource, subprocess, sys;"
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, str(vocu), "say", long_text(chars), "--voice",
             seed.BOB_ID, "--output", str(out)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        return int(result.stdout.strip().splitlines()[-1]), out.stat().st_size


async def main() -> None:
    async with running_emulator(extra_args=EMULATOR_ARGS) as base_url:
        text = "Hello there, the washing machine has finished its cycle."
        upstream = await median_of(RUNS, lambda i: upstream_first_byte(base_url, f"{text} {i}"))
        through_client = await median_of(
            RUNS, lambda i: client_first_byte(base_url, f"{text} run {i}")
        )
        print(f"# Core client benchmark ({machine_line()})")
        print(f"upstream first MP3 byte (plain HTTP)   {upstream * 1000:7.0f} ms  = 1.00x")
        print(f"first MP3 byte through VocuClient      {ratio(through_client, upstream)}")
        small_rss, small_size = await asyncio.to_thread(cli_peak_memory, base_url, 200)
        big_rss, big_size = await asyncio.to_thread(cli_peak_memory, base_url, LONG_TEXT_CHARS)
        print(
            f"peak RSS, `vocu say` 200 chars          {small_rss / 1024:7.1f} MiB "
            f"(MP3 {small_size / 1024:.0f} KiB)"
        )
        print(f"peak RSS, `vocu say` {LONG_TEXT_CHARS} chars       {big_rss / 1024:7.1f} MiB "
              f"(MP3 {big_size / 1024:.0f} KiB): +{(big_rss - small_rss) / 1024:.1f} MiB "
              f"for {big_size / small_size:.0f}x the audio")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
