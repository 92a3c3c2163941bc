"""`python -m vocu_emulator --host 127.0.0.1 --port 8765`: prints the base URL once it listens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .app import serve
from .readings import READINGS, parse_reading_args
from .state import Pacing


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Pacing()
    parser = argparse.ArgumentParser(prog="vocu-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--first-byte-delay", type=float, default=defaults.first_byte_delay)
    parser.add_argument("--chunk-interval", type=float, default=defaults.chunk_interval)
    parser.add_argument("--chunk-bytes", type=int, default=defaults.chunk_bytes)
    parser.add_argument("--voice-ready-delay", type=float, default=defaults.voice_ready_delay)
    parser.add_argument("--job-step", type=float, default=defaults.job_step)
    parser.add_argument(
        "--reading",
        action="append",
        metavar="NAME=other",
        help="answer an ambiguous doc the other way (repeatable): "
        + ", ".join(READINGS)
        + "; quota_wait_scale=FACTOR scales the 330 s wait",
    )
    args = parser.parse_args(argv)
    try:
        args.readings = parse_reading_args(args.reading)
    except ValueError as err:
        parser.error(str(err))
    return args


async def run(args: argparse.Namespace) -> None:
    pacing = Pacing(
        first_byte_delay=args.first_byte_delay,
        chunk_interval=args.chunk_interval,
        chunk_bytes=args.chunk_bytes,
        voice_ready_delay=args.voice_ready_delay,
        job_step=args.job_step,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with serve(args.host, args.port, pacing=pacing, readings=args.readings) as running:
        print(running.base_url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(parse_args(argv)))
    sys.exit(0)


if __name__ == "__main__":
    main()
