"""Home Assistant: first audio byte out of a real `hass` for a five-sentence answer.

Compared with the upstream's own first byte for the same text (asked directly, same run), and with
the non-streaming path: the time until the whole MP3 exists, which is when an integration without
streaming could hand over its first byte.

Run: .venv/bin/python bench/bench_home_assistant.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    EMULATOR_ARGS,
    FIRST_BYTE_DELAY,
    FIVE_SENTENCES,
    machine_line,
    upstream_timings,
)
from vocu_devtools.emulator_process import running_emulator
from vocu_devtools.hass_runner import HassProcess
from vocu_emulator import seed

RUNS = 5


async def first_and_last_byte(
    hass: HassProcess, session: aiohttp.ClientSession, engine: str, text: str
) -> tuple[float, float]:
    start = time.perf_counter()
    url = await hass.tts_url(session, engine, text)
    async with session.get(url) as resp:
        resp.raise_for_status()
        await resp.content.readany()
        first = time.perf_counter() - start
        async for _ in resp.content.iter_any():
            pass
    return first, time.perf_counter() - start


async def configured_hass(base_url: str, config_dir: Path, session: aiohttp.ClientSession):
    hass = HassProcess(config_dir, with_frontend=False, log_level="warning")
    await hass.start()
    await hass.onboard(session)
    answers = {
        "user": {"provider": "vocu"},
        "credentials": {"api_key": seed.PAID_TOKEN, "host": "custom"},
        "custom_host": {"base_url": base_url},
        "voice": {"voice": seed.ALICE_ID},
        "style": {"style": "default"},
    }
    await hass.run_config_flow(session, "vocu", lambda step: answers[step["step_id"]])
    for _ in range(100):
        if engines := await hass.entity_ids(session, "tts"):
            return hass, engines[0]
        await asyncio.sleep(0.2)
    raise RuntimeError("no Vocu TTS entity appeared")


async def main() -> None:
    async with (
        running_emulator(extra_args=EMULATOR_ARGS) as base_url,
        aiohttp.ClientSession() as session,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            hass, engine = await configured_hass(base_url, Path(tmp) / "config", session)
            try:
                # Every run speaks a new text: Home Assistant's TTS cache must not answer.
                texts = [f"{FIVE_SENTENCES} Run {n}." for n in range(RUNS)]
                upstream = [await upstream_timings(base_url, f"{t} upstream") for t in texts]
                timings = [await first_and_last_byte(hass, session, engine, t) for t in texts]
            finally:
                await hass.stop()
    upstream_first = statistics.median(t[0] for t in upstream)
    whole = statistics.median(t[1] for t in upstream if t[1] is not None)
    first = statistics.median(t[0] for t in timings)
    last = statistics.median(t[1] for t in timings)
    print(f"# Home Assistant streaming benchmark ({machine_line()})")
    print(f"emulator first-byte delay (configured)          {FIRST_BYTE_DELAY * 1000:7.0f} ms")
    print(
        f"upstream first MP3 byte, whole answer (direct)  {upstream_first * 1000:7.0f} ms = 1.00x"
    )
    print(
        f"first audio byte out of Home Assistant          {first * 1000:7.0f} ms = "
        f"{first / upstream_first:.2f}x upstream (target <= 1.1x)"
    )
    print(f"non-streaming path: one request, whole MP3      {whole * 1000:7.0f} ms; streaming = "
          f"{first / whole:.2f}x of it (target <= 0.25x)")  # fmt: skip
    print(f"streamed answer's last byte out of HA           {last * 1000:7.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
