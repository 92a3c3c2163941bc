"""The benchmark report: every path's time to first audio against the emulator's first-byte delay.

Sweeps first-byte delays × text lengths; per cell and path the median of a few runs, each run with
a text of its own (Home Assistant's TTS cache must never answer). Every figure is put beside the
upstream's own first byte for the same text length, measured in the same run. Writes
docs/benchmarks.md, docs/benchmarks.png and the raw medians (docs/benchmarks.json, which
`--render` turns into the .md and .png again without measuring); nothing here is a test.

Run: scripts/bench-report [--quick]   (or .venv/bin/python bench/report.py [--quick])
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client import LONG_TEXT_CHARS, cli_first_byte, cli_peak_memory, client_first_byte
from bench_discord import TEXTS as DISCORD_QUEUE
from bench_discord import played_session
from bench_home_assistant import configured_hass, first_and_last_byte
from common import (
    emulator_args,
    machine_line,
    sentences,
    upstream_first_byte,
    upstream_whole_mp3,
)
from report_output import (
    PATHS,
    Cell,
    Report,
    load_json,
    save_json,
    write_markdown,
    write_plot,
)
from vocu_devtools.emulator_process import running_emulator
from vocu_emulator import seed

DOCS = Path(__file__).resolve().parent.parent / "docs"


@dataclass(frozen=True, slots=True)
class Plan:
    delays: tuple[float, ...]  # the emulator's first-byte delay, seconds
    lengths: tuple[int, ...]  # sentences per text
    runs: int  # per cell and path; the median is reported


FULL = Plan(delays=(0.2, 0.4, 0.8), lengths=(1, 3, 5, 10), runs=3)
QUICK = Plan(delays=(0.2, 0.8), lengths=(1, 5), runs=1)
GAP_RUNS = 3
# Memory is about buffering, not speed: an unpaced emulator keeps the 20 000-character run short.
UNPACED = ("--first-byte-delay", "0", "--chunk-interval", "0")

_unique = itertools.count()


def unique_text(count: int) -> str:
    return sentences(count, str(next(_unique)))


async def measure_cell(
    base_url: str, hass_measure: Callable[[str], Awaitable[tuple[float, float]]],
    delay: float, count: int, runs: int,
) -> Cell:  # fmt: skip
    """One (delay, length) cell: runs interleave the paths so slow drift hits them all alike."""
    samples: dict[str, list[float]] = {path: [] for path in PATHS}
    for _ in range(runs):
        samples["upstream"].append(
            await upstream_first_byte(base_url, unique_text(count), drain=False)
        )
        samples["upstream_bob"].append(
            await upstream_first_byte(base_url, unique_text(count), seed.BOB_ID, drain=False)
        )
        samples["client"].append(await client_first_byte(base_url, unique_text(count), drain=False))
        samples["cli"].append(await cli_first_byte(base_url, unique_text(count)))
        samples["upstream_whole"].append(await upstream_whole_mp3(base_url, unique_text(count)))
        first, last = await hass_measure(unique_text(count))
        samples["ha_stream"].append(first)
        samples["ha_last"].append(last)
        # Frames are pulled as fast as FFmpeg makes them: the first one comes no sooner.
        discord_first, _ = await played_session(base_url, [unique_text(count)], realtime=False)
        samples["discord"].append(discord_first)
    medians = {path: statistics.median(values) for path, values in samples.items()}
    return Cell(delay=delay, sentences=count, seconds=medians)


async def discord_gaps(base_url: str) -> list[float]:
    """Silence between queued items, the recorder pulling 20 ms a frame as discord.py does."""
    gaps: list[float] = []
    for run in range(GAP_RUNS):
        _, run_gaps = await played_session(base_url, [f"{t} (gap {run})" for t in DISCORD_QUEUE])
        gaps.extend(run_gaps)
    return gaps


async def sweep_delay(
    report: Report, delay: float, lengths: tuple[int, ...], runs: int, *, with_gaps: bool
) -> None:
    async with (
        running_emulator(extra_args=emulator_args(delay)) as base_url,
        aiohttp.ClientSession() as session,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            # One `hass` per emulator: its Vocu entry points at this delay's emulator.
            hass, engine = await configured_hass(base_url, Path(tmp) / "config", session)
            try:

                async def hass_measure(text: str) -> tuple[float, float]:
                    return await first_and_last_byte(hass, session, engine, text)

                for count in lengths:
                    cell = await measure_cell(base_url, hass_measure, delay, count, runs)
                    report.cells.append(cell)
                    print(cell.summary(), flush=True)
            finally:
                await hass.stop()
        if with_gaps:
            report.gap_delay = delay
            report.gaps = await discord_gaps(base_url)
            print(f"Discord gaps at {delay:.1f} s: {[round(g * 1000) for g in report.gaps]} ms")


async def measure_memory(report: Report) -> None:
    async with running_emulator(extra_args=UNPACED) as base_url:
        report.memory_small = await asyncio.to_thread(cli_peak_memory, base_url, 200)
        report.memory_big = await asyncio.to_thread(cli_peak_memory, base_url, LONG_TEXT_CHARS)
    print(f"peak RSS: {report.memory_line()}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cells, one run each")
    parser.add_argument("--out", type=Path, default=DOCS, help="where the .md and .png go")
    parser.add_argument(
        "--render", type=Path, metavar="JSON",
        help="write the .md and .png again from a benchmarks.json, without measuring",
    )  # fmt: skip
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.render:
        write_outputs(load_json(args.render), args.out)
        return
    plan = QUICK if args.quick else FULL
    load = os.getloadavg()[0]
    report = Report(
        machine=f"{machine_line()}, {os.cpu_count()} cores (load {load:.1f} at start)",
        runs=plan.runs,
        command="scripts/bench-report" + (" --quick" if args.quick else ""),
    )
    print(f"# Benchmark report ({report.machine})", flush=True)
    started = time.perf_counter()
    gap_delay = plan.delays[len(plan.delays) // 2]
    for delay in plan.delays:
        await sweep_delay(report, delay, plan.lengths, plan.runs, with_gaps=delay == gap_delay)
    await measure_memory(report)
    report.wall_seconds = time.perf_counter() - started
    save_json(report, args.out / "benchmarks.json")
    write_outputs(report, args.out)
    print(f"measured in {report.wall_seconds:.0f} s")


def write_outputs(report: Report, out: Path) -> None:
    write_plot(report, out / "benchmarks.png")
    write_markdown(report, out / "benchmarks.md", plot_name="benchmarks.png")
    print(f"wrote {out / 'benchmarks.md'} and benchmarks.png")


if __name__ == "__main__":
    asyncio.run(main())
