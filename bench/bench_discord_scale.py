"""Discord at scale: N guilds speaking at once in one bot process — CPU, memory, frame jitter.

The bot side runs in a worker process of its own (this script with ``--worker``): the real
`GuildPlayer`s, Vocu client and one FFmpeg per item against the emulator on loopback, the voice
connection a recorder that pulls 20 ms frames at real time but neither encrypts nor sends them
over UDP. This harness starts the emulator and the worker, tells every guild to speak at the same
moment, and measures the worker from outside through /proc: its CPU, its FFmpeg children's CPU
(separately), both processes' memory, and the emulator's CPU (separately again). Timings are
reported as ratios to the emulator's own first byte measured in the same run. Nothing here is a
test; tests/bench runs it with two guilds so it cannot rot.

With ``--engine lavalink`` the worker runs the bot on `LavalinkBackend` instead, and the harness
runs the test suite's loopback Lavalink node in its own process (bench/lavalink_node.py), so the
node's decoding is measured apart from the bot; that engine has its own report and section
(scale_lavalink_output.py).

Run: .venv/bin/python bench/bench_discord_scale.py [--players 25 50 100] [--engine lavalink]
     [--publish]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import proc_meter
import scale_lavalink_output
from common import EMULATOR_ARGS, machine_line, upstream_first_byte
from scale_engines import ENGINES, GuildRun
from scale_lavalink_output import LavalinkReport, LavalinkRun
from scale_output import (
    JSON_NAME,
    P99_INTERVAL_TARGET,
    ScaleReport,
    ScaleRun,
    load_json,
    save_json,
    section,
    splice,
)
from vocu_devtools.emulator_process import running_emulator
from vocu_emulator import seed
from voice_send import send_cost_per_guild

DOCS = Path(__file__).resolve().parent.parent / "docs"
TEXT = "The living room lights are now off."
REPEATS = 5
UPSTREAM_RUNS = 3
WORKER_TIMEOUT = 900.0


# --- the worker: the bot side, one process ------------------------------------------------------


async def run_worker(args: argparse.Namespace) -> None:
    """Open the engine, say "ready", speak in every guild on "go", write the timings, say "done",
    then stay alive until told to exit, so the harness reads our CPU after the last FFmpeg was
    reaped and before we exit."""
    options: dict[str, object] = (
        {"encoder_options": args.encoder_options.split()} if args.encoder_options else {}
    )
    if args.node_uri:
        options["node_uri"] = args.node_uri
    engine = ENGINES[args.engine](**options)
    await engine.open(args.base_url, seed.PAID_TOKEN, args.players[0])
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    texts = [args.text] * args.repeats
    players = args.players[0]

    async def speak(guild: int) -> GuildRun:
        await asyncio.sleep(args.stagger * guild / players)
        return await engine.speak(guild, seed.BOB_ID, texts)

    runs = await asyncio.gather(*(speak(guild) for guild in range(players)))
    await engine.close()
    args.guilds_json.write_text(json.dumps([_run_dict(run) for run in runs]))
    print("done", flush=True)
    await asyncio.to_thread(sys.stdin.readline)


def _run_dict(run: GuildRun) -> dict[str, object]:
    return {
        "first_frame_latency": run.first_frame_latency,
        "active_seconds": run.active_seconds,
        "audio_seconds": run.audio_seconds,
        "frames": run.frames,
        "frame_intervals": run.frame_intervals,
        "errors": run.errors,
    }


# --- the harness ------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def emulator_pid() -> int:
    for child in proc_meter.children(os.getpid()):
        if "vocu_emulator" in proc_meter.command_line(child):
            return child
    raise RuntimeError("the emulator process was not found among this script's children")


async def _stop_worker(worker: asyncio.subprocess.Process) -> None:
    """Ask the worker to exit; kill it if it has not within 30 s."""
    if worker.returncode is not None:
        return
    assert worker.stdin is not None
    worker.stdin.write(b"exit\n")
    await worker.stdin.drain()
    try:
        await asyncio.wait_for(worker.wait(), 30)
    except TimeoutError:
        worker.kill()
        await worker.wait()


async def _expect(stream: asyncio.StreamReader, word: str) -> None:
    line = (await asyncio.wait_for(stream.readline(), WORKER_TIMEOUT)).decode().strip()
    if line != word:
        raise RuntimeError(f"the worker said {line!r} instead of {word!r} (see its stderr)")


async def measure(
    base_url: str, emulator: int, engine: str, players: int, *,
    text: str, repeats: int, encoder_options: str, stagger: float,
) -> ScaleRun:  # fmt: skip
    await upstream_first_byte(base_url, text, seed.BOB_ID)  # the emulator renders it once
    upstream = statistics.median(
        [
            await upstream_first_byte(base_url, text, seed.BOB_ID, drain=False)
            for _ in range(UPSTREAM_RUNS)
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "guilds.json"
        worker = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", "--base-url", base_url, "--engine", engine,
            "--players", str(players), "--repeats", str(repeats), "--text", text,
            f"--encoder-options={encoder_options}", "--stagger", str(stagger),
            "--guilds-json", str(out),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert worker.stdin is not None and worker.stdout is not None
        try:
            await _expect(worker.stdout, "ready")
            rss_ready = proc_meter.memory_kib(worker.pid)
            load_before = os.getloadavg()[0]
            bot0, emu0 = proc_meter.cpu_times(worker.pid), proc_meter.cpu_times(emulator)
            busy0, harness0 = proc_meter.machine_busy_seconds()[0], _own_cpu()
            started = time.perf_counter()
            with proc_meter.MemorySampler(worker.pid) as sampler:
                worker.stdin.write(b"go\n")
                await worker.stdin.drain()
                await _expect(worker.stdout, "done")
            wall = time.perf_counter() - started
            bot1, emu1 = proc_meter.cpu_times(worker.pid), proc_meter.cpu_times(emulator)
            busy1, harness1 = proc_meter.machine_busy_seconds()[0], _own_cpu()
            load_after = os.getloadavg()[0]
            guilds = json.loads(out.read_text())
        finally:
            await _stop_worker(worker)
    intervals = [i for guild in guilds for i in guild["frame_intervals"]]
    firsts = [g["first_frame_latency"] for g in guilds if g["first_frame_latency"] is not None]
    peak = sampler.peak
    return ScaleRun(
        players=players,
        wall_seconds=wall,
        active_player_seconds=sum(g["active_seconds"] for g in guilds),
        audio_seconds=sum(g["audio_seconds"] for g in guilds),
        frames=sum(g["frames"] for g in guilds),
        intervals=len(intervals),
        errors=[error for g in guilds for error in g["errors"]]
        + [f"guild {n}: no frame" for n, g in enumerate(guilds) if g["frames"] == 0],
        upstream_first_byte=upstream,
        first_frame_p50=percentile(firsts, 0.50),
        first_frame_p99=percentile(firsts, 0.99),
        interval_p50=percentile(intervals, 0.50),
        interval_p99=percentile(intervals, 0.99),
        interval_max=max(intervals, default=0.0),
        late_frames=sum(1 for i in intervals if i > P99_INTERVAL_TARGET),
        bot_cpu=bot1.own - bot0.own,
        ffmpeg_cpu=bot1.children - bot0.children,
        emulator_cpu=(emu1.own + emu1.children) - (emu0.own + emu0.children),
        harness_cpu=harness1 - harness0,
        machine_busy=busy1 - busy0,
        load_before=load_before,
        load_after=load_after,
        bot_rss_ready_kib=rss_ready,
        bot_rss_peak_kib=max(peak.process_rss_kib, rss_ready),
        ffmpeg_peak_processes=peak.children,
        ffmpeg_peak_rss_kib=peak.children_rss_kib,
        ffmpeg_peak_pss_kib=peak.children_pss_kib,
    )


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _reaped_children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


async def measure_lavalink(
    base_url: str, emulator: int, players: int, *, text: str, repeats: int, stagger: float
) -> LavalinkRun:
    """`measure` for the Lavalink engine: a fresh loopback node in this process for the run."""
    from lavalink_node import PacedNode  # noqa: PLC0415 - imports the test suite's node

    await upstream_first_byte(base_url, text, seed.BOB_ID)
    upstream = statistics.median(
        [
            await upstream_first_byte(base_url, text, seed.BOB_ID, drain=False)
            for _ in range(UPSTREAM_RUNS)
        ]
    )
    node = PacedNode()
    node.update_interval = 5.0  # Lavalink's default playerUpdateInterval
    await node.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "guilds.json"
            worker = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--worker", "--base-url", base_url,
                "--engine", "lavalink", "--node-uri", node.uri,
                "--players", str(players), "--repeats", str(repeats), "--text", text,
                "--stagger", str(stagger), "--guilds-json", str(out),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert worker.stdin is not None and worker.stdout is not None
            try:
                await _expect(worker.stdout, "ready")
                rss_ready = proc_meter.memory_kib(worker.pid)
                load_before = os.getloadavg()[0]
                bot0, emu0 = proc_meter.cpu_times(worker.pid), proc_meter.cpu_times(emulator)
                busy0, node0, decoders0 = (
                    proc_meter.machine_busy_seconds()[0], _own_cpu(), _reaped_children_cpu()
                )  # fmt: skip
                started = time.perf_counter()
                with proc_meter.MemorySampler(worker.pid) as sampler:
                    worker.stdin.write(b"go\n")
                    await worker.stdin.drain()
                    await _expect(worker.stdout, "done")
                wall = time.perf_counter() - started
                bot1, emu1 = proc_meter.cpu_times(worker.pid), proc_meter.cpu_times(emulator)
                busy1, node1, decoders1 = (
                    proc_meter.machine_busy_seconds()[0], _own_cpu(), _reaped_children_cpu()
                )  # fmt: skip
                load_after = os.getloadavg()[0]
                guilds = json.loads(out.read_text())
            finally:
                await _stop_worker(worker)
    finally:
        await node.stop()
    firsts = [g["first_frame_latency"] for g in guilds if g["first_frame_latency"] is not None]
    tracks = sum(1 for event in node.events if event.get("reason") == "finished")
    return LavalinkRun(
        players=players,
        wall_seconds=wall,
        tracks=tracks,
        audio_seconds=sum(g["audio_seconds"] for g in guilds),
        active_player_seconds=sum(g["active_seconds"] for g in guilds),
        errors=[error for g in guilds for error in g["errors"]]
        + [f"guild {n}: no TrackStart" for n, g in enumerate(guilds) if g["active_seconds"] == 0],
        upstream_first_byte=upstream,
        first_start_p50=percentile(firsts, 0.50),
        first_start_p99=percentile(firsts, 0.99),
        bot_cpu=bot1.own - bot0.own,
        bot_children_cpu=bot1.children - bot0.children,
        bot_rss_ready_kib=rss_ready,
        bot_rss_peak_kib=max(sampler.peak.process_rss_kib, rss_ready),
        node_cpu=node1 - node0,
        node_ffmpeg_cpu=decoders1 - decoders0,
        node_frames=sum(node.decoded_frames.values()),
        node_late_p50=percentile(node.lateness, 0.50),
        node_late_p99=percentile(node.lateness, 0.99),
        node_late_max=max(node.lateness, default=0.0),
        emulator_cpu=(emu1.own + emu1.children) - (emu0.own + emu0.children),
        machine_busy=busy1 - busy0,
        load_before=load_before,
        load_after=load_after,
    )


async def run_lavalink_harness(args: argparse.Namespace) -> LavalinkReport:
    report = LavalinkReport(
        machine=f"{machine_line()}, {os.cpu_count()} cores shared with other work "
        f"(load {os.getloadavg()[0]:.1f} at start)",
        engine=args.engine,
        voice_connection=ENGINES[args.engine].voice_connection,
        text=args.text,
        repeats=args.repeats,
        command="bench/bench_discord_scale.py " + " ".join(sys.argv[1:]),
        emulator_args=list(EMULATOR_ARGS),
        stagger=args.stagger,
    )
    print(f"# Discord at scale, engine {args.engine} ({report.machine})", flush=True)
    async with running_emulator(extra_args=EMULATOR_ARGS) as base_url:
        emulator = emulator_pid()
        for players in args.players:
            run = await measure_lavalink(
                base_url, emulator, players,
                text=args.text, repeats=args.repeats, stagger=args.stagger,
            )  # fmt: skip
            report.runs.append(run)
            print(run.summary(), flush=True)
    return report


async def run_harness(args: argparse.Namespace) -> ScaleReport:
    report = ScaleReport(
        machine=f"{machine_line()}, {os.cpu_count()} cores shared with other work "
        f"(load {os.getloadavg()[0]:.1f} at start)",
        engine=args.engine,
        voice_connection=ENGINES[args.engine].voice_connection,
        text=args.text,
        repeats=args.repeats,
        command="bench/bench_discord_scale.py " + " ".join(sys.argv[1:]),
        emulator_args=list(EMULATOR_ARGS),
        encoder_options=args.encoder_options,
        stagger=args.stagger,
    )
    print(f"# Discord at scale, engine {args.engine} ({report.machine})", flush=True)
    print(f"voice connection: {report.voice_connection}", flush=True)
    report.voice_send_per_guild = send_cost_per_guild()
    print(
        f"discord.py encrypt + UDP send, measured apart: "
        f"{report.voice_send_per_guild * 100:.3f} % of a core per speaking guild",
        flush=True,
    )
    async with running_emulator(extra_args=EMULATOR_ARGS) as base_url:
        emulator = emulator_pid()
        for players in args.players:
            run = await measure(
                base_url,
                emulator,
                args.engine,
                players,
                text=args.text,
                repeats=args.repeats,
                encoder_options=args.encoder_options,
                stagger=args.stagger,
            )
            report.runs.append(run)
            print(run.summary(), flush=True)
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--players", type=int, nargs="+", default=[25, 50, 100],
        help="guilds speaking at once; several values make a curve (default: 25 50 100)",
    )  # fmt: skip
    parser.add_argument("--engine", choices=sorted(ENGINES), default="ffmpeg")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="items queued per guild")
    parser.add_argument("--text", default=TEXT, help="what every guild says (repeated)")
    parser.add_argument(
        "--stagger", type=float, default=0.0, metavar="SECONDS",
        help="spread the guilds' starts evenly over this long (default 0: all at once)",
    )  # fmt: skip
    parser.add_argument(
        "--encoder-options", default="", metavar="OPTIONS",
        help="what-if: FFmpeg output options appended to the bot's, e.g. '-fec false'",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path,
        help=f"write {JSON_NAME} there and the section of benchmarks.md (created if absent)",
    )  # fmt: skip
    parser.add_argument("--publish", action="store_true", help="--out docs/")
    parser.add_argument(
        "--render", type=Path, metavar="JSON",
        help=f"write the section again from a {JSON_NAME} (to --out), without measuring",
    )  # fmt: skip
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--node-uri", help=argparse.SUPPRESS)
    parser.add_argument("--guilds-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine == "lavalink" and args.encoder_options:
        parser.error("--encoder-options is for the ffmpeg engine (the node decodes on lavalink)")
    if args.publish:
        args.out = DOCS
    return args


def publish(report: ScaleReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_json(report, out / JSON_NAME)
    splice(out / "benchmarks.md", section(report))
    print(f"wrote {out / JSON_NAME} and its section of {out / 'benchmarks.md'}")


def publish_lavalink(report: LavalinkReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    scale_lavalink_output.save_json(report, out / scale_lavalink_output.JSON_NAME)
    scale_lavalink_output.splice(out / "benchmarks.md", scale_lavalink_output.section(report))
    print(f"wrote {out / scale_lavalink_output.JSON_NAME} and its section of benchmarks.md")


def main() -> None:
    args = parse_args()
    if args.worker:
        asyncio.run(run_worker(args))
        return
    if args.engine == "lavalink":
        if args.render:
            report = scale_lavalink_output.load_json(args.render)
            publish_lavalink(report, args.out or args.render.parent)
            return
        report = asyncio.run(run_lavalink_harness(args))
        if args.out is not None:
            publish_lavalink(report, args.out)
        return
    if args.render:
        publish(load_json(args.render), args.out or args.render.parent)
        return
    report = asyncio.run(run_harness(args))
    if args.out is not None:
        publish(report, args.out)


if __name__ == "__main__":
    main()
