"""What bench_discord_scale.py measured, and how it is written into docs/benchmarks.md.

The section lives between two markers so that bench/report.py (which writes the rest of the file)
and the scale benchmark can each regenerate their own part: report_output.py appends this section
from `benchmarks_discord_scale.json` whenever it rewrites the file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

JSON_NAME = "benchmarks_discord_scale.json"
BEGIN = "<!-- discord-scale:begin (bench/bench_discord_scale.py writes this part) -->"
END = "<!-- discord-scale:end -->"
FRAME = 0.020
PLAYERS_PER_CORE_TARGET = 50
P99_INTERVAL_TARGET = 0.025


@dataclass(slots=True)
class ScaleRun:
    """One measurement: `players` guilds told to speak at the same moment."""

    players: int
    wall_seconds: float
    active_player_seconds: float  # sum over guilds of first frame → last frame
    audio_seconds: float
    frames: int
    intervals: int  # frame intervals measured (frames minus one per item)
    errors: list[str]
    upstream_first_byte: float  # the emulator's own first byte for the same text, same run
    first_frame_p50: float
    first_frame_p99: float
    interval_p50: float
    interval_p99: float
    interval_max: float
    late_frames: int  # intervals above the 25 ms target
    bot_cpu: float  # seconds, the bot process itself
    ffmpeg_cpu: float  # seconds, its FFmpeg children (reaped)
    emulator_cpu: float  # seconds, the emulator and its own encoder processes
    harness_cpu: float  # seconds, this script sampling memory
    machine_busy: float  # seconds of every process on the machine, all cores
    load_before: float
    load_after: float
    bot_rss_ready_kib: int
    bot_rss_peak_kib: int
    ffmpeg_peak_processes: int
    ffmpeg_peak_rss_kib: int
    ffmpeg_peak_pss_kib: int

    @property
    def concurrent_players(self) -> float:
        return self.active_player_seconds / self.wall_seconds if self.wall_seconds else 0.0

    def per_player(self, cpu_seconds: float) -> float:
        """Share of one core per guild that is speaking: CPU seconds per second of speech played.

        Per second of audio, not of wall time: an overloaded run plays late and longer, which
        would make each guild look cheaper than it is.
        """
        return cpu_seconds / self.audio_seconds if self.audio_seconds else 0.0

    @property
    def slowdown(self) -> float:
        """Wall time the guilds spent speaking ÷ the audio they played (1.00: real time)."""
        return self.active_player_seconds / self.audio_seconds if self.audio_seconds else 0.0

    @property
    def players_per_core(self) -> float:
        cost = self.per_player(self.bot_cpu + self.ffmpeg_cpu)
        return 1 / cost if cost else 0.0

    @property
    def others_cpu(self) -> float:
        """CPU seconds of everything else on the (shared) machine during the run."""
        ours = self.bot_cpu + self.ffmpeg_cpu + self.emulator_cpu + self.harness_cpu
        return max(0.0, self.machine_busy - ours)

    @property
    def bot_mib_per_player(self) -> float:
        return (self.bot_rss_peak_kib - self.bot_rss_ready_kib) / 1024 / self.players

    @property
    def ffmpeg_mib_per_player(self) -> float:
        return self.ffmpeg_peak_pss_kib / 1024 / self.players

    @property
    def mib_per_ffmpeg(self) -> float:
        """PSS of one FFmpeg while it runs (the peak sum over the processes alive then)."""
        return self.ffmpeg_peak_pss_kib / 1024 / max(self.ffmpeg_peak_processes, 1)

    @property
    def meets_target(self) -> bool:
        return (
            not self.errors
            and self.players_per_core >= PLAYERS_PER_CORE_TARGET
            and self.interval_p99 <= P99_INTERVAL_TARGET
        )

    def summary(self) -> str:
        return (
            f"{self.players:4d} players: {self.per_player(self.bot_cpu) * 100:5.2f} % + FFmpeg "
            f"{self.per_player(self.ffmpeg_cpu) * 100:5.2f} % of a core each "
            f"-> {self.players_per_core:5.1f} per core; frame interval p50 "
            f"{self.interval_p50 * 1000:.1f} ms p99 {self.interval_p99 * 1000:.1f} ms, speech took "
            f"{self.slowdown:.2f}x real time; "
            f"first frame p50 {self.first_frame_p50 / self.upstream_first_byte:.2f}x "
            f"p99 {self.first_frame_p99 / self.upstream_first_byte:.2f}x upstream "
            f"({self.upstream_first_byte * 1000:.0f} ms); memory "
            f"{self.bot_mib_per_player + self.ffmpeg_mib_per_player:.1f} MiB each; emulator "
            f"{self.emulator_cpu:.1f} s CPU, others {self.others_cpu:.1f} s; "
            f"{len(self.errors)} errors"
        )


@dataclass(slots=True)
class ScaleReport:
    machine: str
    engine: str
    voice_connection: str
    text: str
    repeats: int
    command: str
    emulator_args: list[str]
    # Share of a core one guild's packets cost in discord.py's encrypt + UDP send (voice_send.py)
    voice_send_per_guild: float = 0.0
    encoder_options: str = ""  # what-if FFmpeg options appended to the bot's ("" = the bot's own)
    stagger: float = 0.0  # seconds over which the guilds' starts were spread (0: one instant)
    runs: list[ScaleRun] = field(default_factory=list)

    def players_per_core_with_send(self, run: ScaleRun) -> float:
        """Players per core once the encryption and UDP send the recorder skips are added."""
        cost = run.per_player(run.bot_cpu + run.ffmpeg_cpu) + self.voice_send_per_guild
        return 1 / cost if cost else 0.0


def save_json(report: ScaleReport, path: Path) -> None:
    path.write_text(json.dumps(asdict(report), indent=1) + "\n")


def load_json(path: Path) -> ScaleReport:
    data = json.loads(path.read_text())
    runs = [ScaleRun(**run) for run in data.pop("runs")]
    return ScaleReport(runs=runs, **data)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def section(report: ScaleReport) -> list[str]:
    """The "Discord at scale" part of docs/benchmarks.md, markers included."""
    lines = [
        BEGIN,
        "## Discord at scale: simultaneous players in one bot process",
        "",
        f"Measured {report.machine}. Generated by `{report.command}` "
        "(bench/bench_discord_scale.py): do not edit by hand, run it again.",
        "",
        "### Method",
        "",
        (
            "Every guild is told at the same moment"
            if not report.stagger
            else f"The guilds are told one after another, spread evenly over {report.stagger:g} s,"
        )
        + f" to speak “{report.text}” {report.repeats}× "
        f"(queued, so the bot prefetches the next item while one plays, as it does for a busy "
        f"channel). Engine `{report.engine}`: the bot's real `GuildPlayer`, Vocu client, shared "
        "synthesis slots and one real FFmpeg per item fed the signed stream URL"
        + (
            f" (what-if: `{report.encoder_options}` appended to the bot's FFmpeg options)"
            if report.encoder_options
            else ""
        )
        + ", all in one "
        "worker process, against the emulator on loopback (pacing "
        f"`{' '.join(report.emulator_args)}`). The voice connection is the "
        f"{report.voice_connection}: Discord's per-packet encryption and the UDP send are not in "
        "the figures of the table; they are measured apart (bench/voice_send.py runs discord.py's "
        "own `VoiceClient.send_audio_packet` on a loopback UDP socket, without DAVE): "
        f"{report.voice_send_per_guild * 100:.3f} % of a core per speaking guild, added in the "
        "last sentence below. The text repeats, so the emulator synthesises it once and then only "
        "streams the cached MP3: its CPU is reported separately and is not part of the bot's.",
        "",
        "- **CPU per speaking guild**: CPU seconds charged to the bot process (and, separately, "
        "to the FFmpeg processes it spawned and reaped) from the go signal until every FFmpeg "
        "was reaped, divided by the seconds of speech played by all guilds together. "
        "**Players per core** = 1 ÷ (bot + FFmpeg).",
        "- **Memory per guild**: the bot's RSS growth from before the go signal to its peak, "
        "plus the peak PSS of its FFmpeg children (PSS splits shared libraries between the "
        "processes that map them), divided by the guilds. An FFmpeg exits once it has decoded "
        "its item into the pipe (64 KiB holds about 8 s of Opus at the bot's 64 kb/s), so with "
        "short items few are alive at once; the column also gives the FFmpegs alive at the peak "
        "and the PSS of one. Items longer than 8 s keep two per speaking guild alive (the one "
        "playing and the next, prefetched): plan for twice the PSS of one per guild.",
        "- **Frame interval**: time between consecutive 20 ms frames of one item leaving the "
        "player, over every frame of every guild; discord.py's audio thread paces the same way, "
        "so a late interval is a late packet, and a player that fell behind sends the missed "
        "frames back to back (intervals near 0 ms: a median well under 20 ms means most frames "
        "were catching up). **Real time**: how long the guilds spoke ÷ the audio they played "
        "(1.00× when nothing fell behind; below 1× when an item's first frame came late and the "
        "next ones went out back to back to catch up, as discord.py's audio thread does).",
        "- **First frame**: from telling the guild to speak to its first Opus frame, as a ratio "
        "to the emulator's own first MP3 byte for the same text, asked directly in the same run.",
        "- **Others**: CPU seconds every other process on the machine used during the run "
        "(the machine is shared), from /proc/stat.",
        "",
        f"### Targets: ≥ {PLAYERS_PER_CORE_TARGET} players per core, p99 frame interval "
        f"≤ {P99_INTERVAL_TARGET * 1000:.0f} ms",
        "",
        "| Guilds | Bot CPU / guild | FFmpeg CPU / guild | Players per core | Frame interval "
        "p50 / p99 / max | Late frames (> 25 ms) | Real time | First frame p50 / p99 ÷ upstream "
        "| Memory / guild (bot + FFmpeg) | Emulator CPU | Others' CPU | Load before → after "
        "| Errors | Target met |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report.runs:
        lines.append(
            f"| {run.players} | {run.per_player(run.bot_cpu) * 100:.2f} % | "
            f"{run.per_player(run.ffmpeg_cpu) * 100:.2f} % | {run.players_per_core:.0f} | "
            f"{run.interval_p50 * 1000:.1f} / {run.interval_p99 * 1000:.1f} / "
            f"{run.interval_max * 1000:.0f} ms | "
            f"{run.late_frames} of {run.intervals} | {run.slowdown:.2f}× | "
            f"{run.first_frame_p50 / run.upstream_first_byte:.2f}× / "
            f"{run.first_frame_p99 / run.upstream_first_byte:.2f}× "
            f"({run.upstream_first_byte * 1000:.0f} ms) | "
            f"{run.bot_mib_per_player:.1f} + {run.ffmpeg_mib_per_player:.1f} MiB "
            f"({run.ffmpeg_peak_processes} FFmpegs × {run.mib_per_ffmpeg:.1f} MiB) | "
            f"{run.emulator_cpu:.1f} s ({run.per_player(run.emulator_cpu) * 100:.1f} % / guild) | "
            f"{run.others_cpu:.0f} s | {run.load_before:.1f} → {run.load_after:.1f} | "
            f"{len(run.errors)} | {_yes(run.meets_target)} |"
        )
    lines += ["", *_conclusion(report), END, ""]
    return lines


def _conclusion(report: ScaleReport) -> list[str]:
    if not report.runs:
        return []
    largest = max(report.runs, key=lambda run: run.players)
    errors = sorted({error for run in report.runs for error in run.errors})
    lines = [
        f"At {largest.players} guilds the bot process and its FFmpegs need "
        f"{largest.per_player(largest.bot_cpu + largest.ffmpeg_cpu) * 100:.2f} % of a core per "
        f"speaking guild: one core holds about {largest.players_per_core:.0f} players "
        f"(target {PLAYERS_PER_CORE_TARGET}), with the p99 frame interval at "
        f"{largest.interval_p99 * 1000:.1f} ms (target {P99_INTERVAL_TARGET * 1000:.0f} ms): "
        f"target {'met' if largest.meets_target else '**not met**'}. With discord.py's "
        f"encryption and UDP send added, about {report.players_per_core_with_send(largest):.0f} "
        "players per core. "
        f"{largest.concurrent_players:.0f} guilds spoke at once on average.",
        "",
    ]
    if errors:
        lines += ["Errors: " + "; ".join(errors[:5]), ""]
    return lines


def splice(markdown: Path, lines: list[str], begin: str = BEGIN, end: str = END) -> None:
    """Replace the section between the markers in `markdown` (append it if absent)."""
    text = markdown.read_text() if markdown.exists() else ""
    block = "\n".join(lines)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + block + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block
    markdown.write_text(text)
