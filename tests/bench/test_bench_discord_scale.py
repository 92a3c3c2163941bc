"""bench/bench_discord_scale.py keeps working: two guilds, real FFmpeg, the emulator on loopback.

The figures are the benchmark's business (bench/, docs/benchmarks.md); these tests check only that
every figure is measured and lands where the docs expect it, so the script cannot rot.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import scale_lavalink_output  # noqa: E402 - bench/ is not a package
import scale_output  # noqa: E402
from scale_output import BEGIN, END, JSON_NAME, ScaleRun  # noqa: E402

PLAYERS = 2
REPEATS = 2


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale")
    (out / "benchmarks.md").write_text("# Benchmarks\n\nWritten by bench/report.py.\n")
    subprocess.run(
        [sys.executable, str(BENCH / "bench_discord_scale.py"),
         "--players", str(PLAYERS), "--repeats", str(REPEATS), "--out", str(out)],
        check=True, timeout=240, capture_output=True,
    )  # fmt: skip
    return out


@pytest.mark.e2e
@pytest.mark.slow
def test_every_guild_speaks_and_every_cost_is_measured(measured: Path) -> None:
    report = scale_output.load_json(measured / JSON_NAME)
    assert report.engine == "ffmpeg"
    assert "neither encrypts nor sends them over UDP" in report.voice_connection
    # ...which is measured apart and added to the players-per-core estimate
    assert report.voice_send_per_guild > 0
    (run,) = report.runs
    assert run.players == PLAYERS
    assert run.errors == []
    # every item of every guild played: one interval fewer than frames per item
    assert run.frames > 0
    assert run.intervals == run.frames - PLAYERS * REPEATS
    assert run.audio_seconds == pytest.approx(run.frames * 0.020, rel=0.05)
    assert 0 < run.active_player_seconds <= PLAYERS * run.wall_seconds
    assert run.slowdown > 0
    assert 0 < run.interval_p50 <= run.interval_p99 <= run.interval_max
    assert 0 < run.upstream_first_byte < run.first_frame_p50 <= run.first_frame_p99
    # the bot, its FFmpeg children and the emulator are measured apart
    assert run.bot_cpu > 0 and run.ffmpeg_cpu > 0
    assert run.ffmpeg_peak_processes >= 1
    assert run.ffmpeg_peak_pss_kib > 0 and run.ffmpeg_peak_rss_kib >= run.ffmpeg_peak_pss_kib
    assert run.bot_rss_peak_kib >= run.bot_rss_ready_kib > 0
    assert run.machine_busy > 0 and run.others_cpu >= 0
    assert 0 < report.players_per_core_with_send(run) < run.players_per_core


@pytest.mark.e2e
@pytest.mark.slow
def test_the_section_lands_in_benchmarks_md_beside_the_rest(measured: Path) -> None:
    text = (measured / "benchmarks.md").read_text()
    assert text.startswith("# Benchmarks\n\nWritten by bench/report.py.\n")
    assert text.count(BEGIN) == text.count(END) == 1
    assert f"\n| {PLAYERS} | " in text
    assert "Target met" in text


@pytest.fixture(scope="module")
def measured_lavalink(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale-lavalink")
    (out / "benchmarks.md").write_text("# Benchmarks\n\nWritten by bench/report.py.\n")
    subprocess.run(
        [sys.executable, str(BENCH / "bench_discord_scale.py"), "--engine", "lavalink",
         "--players", str(PLAYERS), "--repeats", str(REPEATS), "--out", str(out)],
        check=True, timeout=240, capture_output=True,
    )  # fmt: skip
    return out


@pytest.mark.e2e
@pytest.mark.slow
def test_the_lavalink_engine_is_measured_bot_side_with_the_node_apart(
    measured_lavalink: Path,
) -> None:
    assert not (measured_lavalink / JSON_NAME).exists()  # the default engine's file untouched
    report = scale_lavalink_output.load_json(measured_lavalink / scale_lavalink_output.JSON_NAME)
    assert report.engine == "lavalink"
    assert "loopback node" in report.voice_connection
    (run,) = report.runs
    assert run.players == PLAYERS
    assert run.errors == []
    # every item of every guild started and finished on the node, which decoded real audio
    assert run.tracks == PLAYERS * REPEATS
    assert run.node_frames > 10 * run.tracks
    assert run.speech_seconds == pytest.approx(run.node_frames * 0.020)
    assert run.slowdown > 0
    assert 0 < run.active_player_seconds <= PLAYERS * run.wall_seconds
    assert 0 < run.upstream_first_byte < run.first_start_p50 <= run.first_start_p99
    # the bot process is measured; the node's decoding is not charged to it
    assert run.bot_cpu > 0 and run.bot_children_cpu == 0
    assert run.node_ffmpeg_cpu > 0 and run.node_cpu > 0
    assert run.bot_rss_peak_kib >= run.bot_rss_ready_kib > 0
    assert 0 <= run.node_late_p50 <= run.node_late_p99 <= run.node_late_max
    assert run.players_per_core > 0 and run.others_cpu >= 0
    text = (measured_lavalink / "benchmarks.md").read_text()
    assert text.startswith("# Benchmarks\n\nWritten by bench/report.py.\n")
    assert text.count(scale_lavalink_output.BEGIN) == text.count(scale_lavalink_output.END) == 1
    assert BEGIN not in text
    assert f"\n| {PLAYERS} | " in text


def _run(players: int, **changes: object) -> ScaleRun:
    values: dict[str, object] = {
        "players": players, "wall_seconds": 10.0, "active_player_seconds": 9.0 * players,
        "audio_seconds": 9.0 * players, "frames": 450 * players, "intervals": 449 * players,
        "errors": [], "upstream_first_byte": 0.4, "first_frame_p50": 0.5,
        "first_frame_p99": 0.6, "interval_p50": 0.020, "interval_p99": 0.022,
        "interval_max": 0.030, "late_frames": 3, "bot_cpu": 0.05 * players,
        "ffmpeg_cpu": 0.10 * players, "emulator_cpu": 1.0, "harness_cpu": 0.1,
        "machine_busy": 20.0, "load_before": 0.5, "load_after": 1.5,
        "bot_rss_ready_kib": 60_000, "bot_rss_peak_kib": 60_000 + 512 * players,
        "ffmpeg_peak_processes": 2 * players, "ffmpeg_peak_rss_kib": 40_000 * players,
        "ffmpeg_peak_pss_kib": 4_096 * players,
    }  # fmt: skip
    values.update(changes)
    return ScaleRun(**values)  # type: ignore[arg-type]


def test_players_per_core_and_the_target_follow_from_the_measured_costs() -> None:
    run = _run(10)  # 0.15 CPU seconds per 9 seconds of each guild's speech
    assert run.per_player(run.bot_cpu + run.ffmpeg_cpu) == pytest.approx(0.15 / 9)
    assert run.players_per_core == pytest.approx(60)
    # an overloaded run plays late and longer: the cost is still per second of speech
    late = _run(10, active_player_seconds=180.0)
    assert late.slowdown == pytest.approx(2.0)
    assert late.players_per_core == pytest.approx(60)
    assert run.bot_mib_per_player == pytest.approx(0.5)
    assert run.ffmpeg_mib_per_player == pytest.approx(4.0)
    assert run.mib_per_ffmpeg == pytest.approx(2.0)  # 20 FFmpegs alive at the peak
    assert run.meets_target
    assert not _run(10, interval_p99=0.026).meets_target
    assert not _run(10, ffmpeg_cpu=2.0).meets_target  # ~41 per core
    assert not _run(10, errors=["guild 3: no frame"]).meets_target


def test_rewriting_the_section_replaces_it_and_keeps_the_rest(tmp_path: Path) -> None:
    markdown = tmp_path / "benchmarks.md"
    markdown.write_text("# Benchmarks\n\nabove\n")
    report = scale_output.ScaleReport(
        machine="m", engine="ffmpeg", voice_connection="a recorder", text="Hi.", repeats=1,
        command="bench/bench_discord_scale.py", emulator_args=[], runs=[_run(25)],
    )  # fmt: skip
    scale_output.splice(markdown, scale_output.section(report))
    report.runs = [_run(50)]
    scale_output.splice(markdown, scale_output.section(report))
    text = markdown.read_text()
    assert text.startswith("# Benchmarks\n\nabove\n")
    assert text.count(BEGIN) == 1
    assert "\n| 50 | " in text and "\n| 25 | " not in text


def test_the_main_benchmark_report_keeps_the_section(tmp_path: Path) -> None:
    import report_output  # noqa: PLC0415 - bench/ is on sys.path only from this module

    report = scale_output.ScaleReport(
        machine="m", engine="ffmpeg", voice_connection="a recorder", text="Hi.", repeats=1,
        command="bench/bench_discord_scale.py", emulator_args=[], runs=[_run(25)],
    )  # fmt: skip
    scale_output.save_json(report, tmp_path / JSON_NAME)
    lavalink = scale_lavalink_output.LavalinkReport(
        machine="m", engine="lavalink", voice_connection="the loopback node", text="Hi.",
        repeats=1, command="bench/bench_discord_scale.py --engine lavalink", emulator_args=[],
        runs=[_lavalink_run(75)],
    )  # fmt: skip
    scale_lavalink_output.save_json(lavalink, tmp_path / scale_lavalink_output.JSON_NAME)
    main = report_output.load_json(BENCH.parent / "docs" / "benchmarks.json")
    report_output.write_markdown(main, tmp_path / "benchmarks.md", plot_name="benchmarks.png")
    text = (tmp_path / "benchmarks.md").read_text()
    assert text.startswith("# Benchmarks")
    assert text.count(BEGIN) == 1 and "\n| 25 | " in text
    assert text.count(scale_lavalink_output.BEGIN) == 1 and "\n| 75 | " in text


def _lavalink_run(players: int) -> scale_lavalink_output.LavalinkRun:
    return scale_lavalink_output.LavalinkRun(
        players=players, wall_seconds=10.0, tracks=players, audio_seconds=9.0 * players,
        active_player_seconds=9.0 * players, errors=[], upstream_first_byte=0.4,
        first_start_p50=0.5, first_start_p99=0.6, bot_cpu=0.01 * players, bot_children_cpu=0.0,
        bot_rss_ready_kib=60_000, bot_rss_peak_kib=60_000 + 256 * players, node_cpu=1.0,
        node_ffmpeg_cpu=1.0, node_frames=450 * players, node_late_p50=0.001,
        node_late_p99=0.004, node_late_max=0.01, emulator_cpu=1.0, machine_busy=20.0,
        load_before=0.5, load_after=1.0,
    )  # fmt: skip


def test_lavalink_players_per_core_is_the_bot_side_cost() -> None:
    run = _lavalink_run(10)  # 0.1 CPU seconds per 90 seconds of speech (4500 frames)
    assert run.per_player(run.bot_cpu) == pytest.approx(0.1 / 90)
    assert run.players_per_core == pytest.approx(900)
    assert run.bot_mib_per_player == pytest.approx(0.25)
    assert run.slowdown == pytest.approx(1.0)
    # the bot saw the tracks take twice as long (a loaded node): still per second of audio
    late = scale_lavalink_output.LavalinkRun(**{**asdict(run), "audio_seconds": 180.0})
    assert late.slowdown == pytest.approx(2.0)
    assert late.players_per_core == pytest.approx(900)


def test_memory_sampling_counts_live_children_not_exited_ones() -> None:
    import os  # noqa: PLC0415
    import time  # noqa: PLC0415

    import proc_meter  # noqa: PLC0415

    exited = subprocess.Popen(["true"])  # never waited for until the end: a zombie meanwhile
    alive = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + 10
        while not proc_meter.is_zombie(exited.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc_meter.is_zombie(exited.pid)
        assert not proc_meter.is_zombie(alive.pid)
        with proc_meter.MemorySampler(os.getpid(), interval=0.05) as sampler:
            while sampler.peak.samples < 2:
                time.sleep(0.05)
        assert sampler.peak.children == 1
        assert sampler.peak.children_rss_kib == proc_meter.memory_kib(alive.pid) > 0
        assert sampler.peak.children_pss_kib > 0
    finally:
        alive.kill()
        alive.wait()
        exited.wait()


def test_ffmpeg_what_if_options_are_refused_on_the_lavalink_engine() -> None:
    import bench_discord_scale  # noqa: PLC0415 - bench/ is on sys.path only from this module

    with pytest.raises(SystemExit):
        bench_discord_scale.parse_args(["--engine", "lavalink", "--encoder-options=-fec false"])
    assert bench_discord_scale.parse_args(["--engine", "lavalink"]).engine == "lavalink"
