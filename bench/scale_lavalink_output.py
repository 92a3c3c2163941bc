"""What bench_discord_scale.py --engine lavalink measured, and its section of docs/benchmarks.md.

Its own JSON file and its own markers, beside the default engine's (scale_output.py): the two
engines are measured by separate runs and neither run rewrites the other's figures.
report_output.py appends this section from `benchmarks_discord_scale_lavalink.json` too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import scale_output

JSON_NAME = "benchmarks_discord_scale_lavalink.json"
BEGIN = "<!-- discord-scale-lavalink:begin (bench/bench_discord_scale.py --engine lavalink) -->"
END = "<!-- discord-scale-lavalink:end -->"


@dataclass(slots=True)
class LavalinkRun:
    """One measurement: `players` guilds told to speak at once, the node in another process."""

    players: int
    wall_seconds: float
    tracks: int  # items the bot saw start and finish (TrackStart … TrackEnd)
    audio_seconds: float  # sum over items of TrackStart → TrackEnd, as the bot saw them
    active_player_seconds: float  # sum over guilds of first TrackStart → last TrackEnd
    errors: list[str]
    upstream_first_byte: float  # the emulator's own first byte for the same text, same run
    first_start_p50: float  # told to speak → first TrackStart, seconds
    first_start_p99: float
    bot_cpu: float  # seconds, the bot worker process (Wavelink, players, Vocu client)
    bot_children_cpu: float  # seconds, the worker's reaped children (none expected)
    bot_rss_ready_kib: int
    bot_rss_peak_kib: int
    node_cpu: float  # seconds, the harness process: the loopback node plus memory sampling
    node_ffmpeg_cpu: float  # seconds, the node's FFmpeg decoders (reaped by the harness)
    node_frames: int  # 20 ms frames the node decoded and paced
    node_late_p50: float  # lateness of the node's frame hand-outs, seconds
    node_late_p99: float
    node_late_max: float
    emulator_cpu: float
    machine_busy: float
    load_before: float
    load_after: float

    @property
    def speech_seconds(self) -> float:
        """The audio the node decoded and paced out (its 20 ms frames)."""
        return self.node_frames * 0.020

    def per_player(self, cpu_seconds: float) -> float:
        """Share of one core per speaking guild: CPU seconds per second of speech played.

        Per second of the audio the node played, not of wall time or of what the bot saw (both
        stretch when the loaded machine delays the node), as scale_output.ScaleRun does.
        """
        return cpu_seconds / self.speech_seconds if self.speech_seconds else 0.0

    @property
    def players_per_core(self) -> float:
        """Bot side only: how many speaking guilds one core of the bot process holds."""
        cost = self.per_player(self.bot_cpu + self.bot_children_cpu)
        return 1 / cost if cost else 0.0

    @property
    def bot_mib_per_player(self) -> float:
        return (self.bot_rss_peak_kib - self.bot_rss_ready_kib) / 1024 / self.players

    @property
    def slowdown(self) -> float:
        """TrackStart → TrackEnd as the bot saw them ÷ the audio played (1.00: real time)."""
        return self.audio_seconds / self.speech_seconds if self.speech_seconds else 0.0

    @property
    def others_cpu(self) -> float:
        ours = (
            self.bot_cpu + self.bot_children_cpu + self.node_cpu + self.node_ffmpeg_cpu
            + self.emulator_cpu
        )  # fmt: skip
        return max(0.0, self.machine_busy - ours)

    def summary(self) -> str:
        return (
            f"{self.players:4d} players: bot {self.per_player(self.bot_cpu) * 100:5.2f} % of a "
            f"core each -> {self.players_per_core:6.0f} per core (bot side); "
            f"{self.bot_mib_per_player:.2f} MiB each; first TrackStart p50 "
            f"{self.first_start_p50 / self.upstream_first_byte:.2f}x p99 "
            f"{self.first_start_p99 / self.upstream_first_byte:.2f}x upstream "
            f"({self.upstream_first_byte * 1000:.0f} ms); loopback node "
            f"{self.per_player(self.node_cpu + self.node_ffmpeg_cpu) * 100:.2f} % each, pacing "
            f"late p99 {self.node_late_p99 * 1000:.1f} ms; {self.tracks} tracks, "
            f"{len(self.errors)} errors"
        )


@dataclass(slots=True)
class LavalinkReport:
    machine: str
    engine: str
    voice_connection: str
    text: str
    repeats: int
    command: str
    emulator_args: list[str]
    stagger: float = 0.0
    runs: list[LavalinkRun] = field(default_factory=list)


def save_json(report: LavalinkReport, path: Path) -> None:
    path.write_text(json.dumps(asdict(report), indent=1) + "\n")


def load_json(path: Path) -> LavalinkReport:
    data = json.loads(path.read_text())
    runs = [LavalinkRun(**run) for run in data.pop("runs")]
    return LavalinkReport(runs=runs, **data)


def section(report: LavalinkReport) -> list[str]:
    """The "Lavalink engine, bot side" part of docs/benchmarks.md, markers included."""
    lines = [
        BEGIN,
        "## Discord at scale: the Lavalink engine's bot-side cost",
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
        + f" to speak “{report.text}” {report.repeats}× through the bot's real `GuildPlayer` "
        "on `LavalinkBackend` (Wavelink 3.5, one `LavalinkVoiceClient` per guild, the Vocu "
        "client and shared synthesis slots), in one worker process, against the emulator on "
        f"loopback (pacing `{' '.join(report.emulator_args)}`). No Discord login: a stand-in "
        "gives Wavelink the bot's user id and event dispatch, and each player a guild and a "
        "connected channel (the one voice-server update a real join sends is not sent). "
        f"Voice connection: {report.voice_connection}.",
        "",
        "- **Bot CPU / guild**: CPU seconds of the bot process from the go signal until every "
        "guild's last TrackEnd, divided by the seconds of speech the node played (its 20 ms "
        "frames); **Real time** is TrackStart → TrackEnd as the bot saw them ÷ that audio. "
        "On this engine the bot asks Vocu for the signed URL, has the node "
        "load it, sends the play request and handles the node's events; it decodes and sends "
        "nothing. **Players per core** is the bot side only: the audio's cost is the node's.",
        "- **Memory / guild**: the bot's RSS growth from before the go signal to its peak, "
        "divided by the guilds (no child processes on this engine).",
        "- **First TrackStart**: from telling the guild to speak to the node's first TrackStart "
        "reaching the bot, as a ratio to the emulator's own first MP3 byte in the same run. It "
        "contains two of the upstream's first-byte delays: like Lavalink's HTTP source, the node "
        "opens the URL once to probe its format when loading the track and again to play it.",
        "- **Loopback node** (for scale only, *not* a real Lavalink's cost: Lavalink is a JVM "
        "with its own decoder, and the loopback node is Python + one FFmpeg per track and sends "
        "no RTP): its CPU (the harness process, which also samples memory) and its FFmpegs', "
        "per speaking guild, and how late its pacing loop handed out frames (p50 / p99 / max).",
        "",
        "| Guilds | Bot CPU / guild | Players per core (bot side) | Memory / guild (bot) "
        "| First TrackStart p50 / p99 ÷ upstream | Tracks | Real time | Loopback node CPU / guild "
        "(Python + FFmpeg) | Node pacing late p50 / p99 / max | Emulator CPU | Others' CPU "
        "| Load before → after | Errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report.runs:
        lines.append(
            f"| {run.players} | {run.per_player(run.bot_cpu + run.bot_children_cpu) * 100:.2f} % "
            f"| {run.players_per_core:.0f} | {run.bot_mib_per_player:.2f} MiB | "
            f"{run.first_start_p50 / run.upstream_first_byte:.2f}× / "
            f"{run.first_start_p99 / run.upstream_first_byte:.2f}× "
            f"({run.upstream_first_byte * 1000:.0f} ms) | {run.tracks} | {run.slowdown:.2f}× | "
            f"{run.per_player(run.node_cpu) * 100:.2f} % + "
            f"{run.per_player(run.node_ffmpeg_cpu) * 100:.2f} % | "
            f"{run.node_late_p50 * 1000:.1f} / {run.node_late_p99 * 1000:.1f} / "
            f"{run.node_late_max * 1000:.0f} ms | {run.emulator_cpu:.1f} s | "
            f"{run.others_cpu:.0f} s | {run.load_before:.1f} → {run.load_after:.1f} | "
            f"{len(run.errors)} |"
        )
    lines += ["", *_conclusion(report), END, ""]
    return lines


def _conclusion(report: LavalinkReport) -> list[str]:
    if not report.runs:
        return []
    largest = max(report.runs, key=lambda run: run.players)
    cost = largest.per_player(largest.bot_cpu + largest.bot_children_cpu)
    lines = [
        f"At {largest.players} guilds the bot process needs {cost * 100:.2f} % of a core per "
        f"speaking guild on the Lavalink engine: one core of the bot holds about "
        f"{largest.players_per_core:.0f} speaking guilds, the audio's cost being the nodes'. "
        f"Its first TrackStart came {largest.first_start_p50 / largest.upstream_first_byte:.2f}× "
        "the upstream's first byte (p50), two such delays being in it by design (probe and "
        "play); the loopback node's pacing, late by "
        f"{largest.node_late_p99 * 1000:.0f} ms at p99, shows that one Python process serving "
        f"{largest.players} guilds' tracks on this shared machine falls behind too — a figure of "
        "the stand-in node, not of Lavalink.",
        "",
    ]
    errors = sorted({error for run in report.runs for error in run.errors})
    if errors:
        lines += ["Errors: " + "; ".join(errors[:5]), ""]
    return lines


def splice(markdown: Path, lines: list[str]) -> None:
    """Replace this section in `markdown` (append it if absent)."""
    scale_output.splice(markdown, lines, BEGIN, END)
