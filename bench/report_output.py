"""What bench/report.py measured, and how it is written: docs/benchmarks.md and the PNG plot."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import scale_lavalink_output
import scale_output

# Every path measured per cell; "upstream*" are the emulator's own first byte, asked directly.
PATHS = (
    "upstream", "upstream_bob", "upstream_whole", "client", "cli", "ha_stream", "ha_last",
    "discord",
)  # fmt: skip
PLOTTED = ("client", "cli", "ha_stream", "upstream_whole", "ha_last", "discord")
LABELS = {
    "upstream": "Upstream first byte (direct)",
    "upstream_bob": "Upstream first byte (direct, the Discord voice)",
    "upstream_whole": "Non-streaming path: one request for the whole text, whole MP3 exists",
    "client": "Core client in process: first MP3 byte",
    "cli": "CLI `vocu say -o -`: first byte on stdout",
    "ha_stream": "Home Assistant streaming: first audio byte",
    "ha_last": "Home Assistant streaming: last audio byte",
    "discord": "Discord player: say → first Opus frame",
}
SHORT = {
    "upstream": "Upstream",
    "upstream_bob": "Upstream (Discord voice)",
    "upstream_whole": "Non-streaming",
    "client": "Client",
    "cli": "CLI",
    "ha_stream": "HA streaming",
    "ha_last": "HA streaming, last byte",
    "discord": "Discord",
}
KEY_CELL = (0.4, 5)
HA_STREAM_TARGET = 1.1
HA_STREAM_VS_WHOLE_TARGET = 0.25
DISCORD_OVER_UPSTREAM_TARGET = 0.250
GAP_TARGET = 0.040


def plural(sentences: int) -> str:
    return f"{sentences} sentence{'' if sentences == 1 else 's'}"


def reference(path: str) -> str:
    """The Discord bot speaks with another voice: compare it with that voice's upstream."""
    return "upstream_bob" if path == "discord" else "upstream"


@dataclass(frozen=True, slots=True)
class Cell:
    delay: float
    sentences: int
    seconds: dict[str, float]  # median per path

    def ratio(self, path: str) -> float:
        return self.seconds[path] / self.seconds[reference(path)]

    def ms(self, path: str) -> float:
        return self.seconds[path] * 1000

    @property
    def stream_vs_whole(self) -> float:
        return self.seconds["ha_stream"] / self.seconds["upstream_whole"]

    @property
    def discord_over_upstream(self) -> float:
        return self.seconds["discord"] - self.seconds["upstream_bob"]

    def summary(self) -> str:
        ratios = ", ".join(f"{SHORT[p]} {self.ratio(p):.2f}x" for p in PLOTTED)
        return (
            f"delay {self.delay:.1f} s, {self.sentences:2d} sentences: upstream "
            f"{self.ms('upstream'):.0f} ms; {ratios}"
        )


@dataclass
class Report:
    machine: str
    runs: int
    command: str
    cells: list[Cell] = field(default_factory=list)
    gap_delay: float | None = None
    gaps: list[float] = field(default_factory=list)
    memory_small: tuple[int, int] | None = None  # (peak RSS KiB, MP3 bytes), 200 characters
    memory_big: tuple[int, int] | None = None  # the same for the long text
    wall_seconds: float = 0.0

    @property
    def delays(self) -> list[float]:
        return sorted({c.delay for c in self.cells})

    @property
    def lengths(self) -> list[int]:
        return sorted({c.sentences for c in self.cells})

    def cell(self, delay: float, count: int) -> Cell | None:
        return next((c for c in self.cells if (c.delay, c.sentences) == (delay, count)), None)

    @property
    def key_cell(self) -> Cell:
        return self.cell(*KEY_CELL) or self.cells[len(self.cells) // 2]

    def memory_line(self) -> str:
        if not (self.memory_small and self.memory_big):
            return "not measured"
        (small_rss, small_mp3), (big_rss, big_mp3) = self.memory_small, self.memory_big
        return (
            f"{small_rss / 1024:.1f} MiB for 200 characters, {big_rss / 1024:.1f} MiB for 20 000 "
            f"(+{(big_rss - small_rss) / 1024:.1f} MiB for {big_mp3 / small_mp3:.0f}× the audio, "
            f"{big_mp3 / 1024 / 1024:.1f} MiB of MP3)"
        )


def save_json(report: Report, path: Path) -> None:
    """The raw medians, so the Markdown and the plot can be written again without measuring."""
    path.write_text(json.dumps(asdict(report), indent=1) + "\n")


def load_json(path: Path) -> Report:
    data = json.loads(path.read_text())
    cells = [Cell(**cell) for cell in data.pop("cells")]
    for key in ("memory_small", "memory_big"):
        if data[key] is not None:
            data[key] = tuple(data[key])
    return Report(cells=cells, **data)


# --- Markdown --------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _targets(report: Report) -> list[str]:
    key = report.key_cell
    where = f"{key.delay:.1f} s, {plural(key.sentences)}"
    worst_stream = max(report.cells, key=lambda c: c.ratio("ha_stream"))
    # That target is for a five-sentence answer: a one-sentence answer has little after its first
    # byte, so streaming cannot be a quarter of it.
    long_answers = [c for c in report.cells if c.sentences >= 5] or report.cells
    worst_vs_whole = max(long_answers, key=lambda c: c.stream_vs_whole)
    worst_discord = max(report.cells, key=lambda c: c.discord_over_upstream)
    rows = [
        f"| Figure | Target | At {where} | Worst cell of the sweep | Met everywhere |",
        "|---|---|---|---|---|",
        f"| Home Assistant streaming: first audio byte ÷ upstream first byte "
        f"| ≤ {HA_STREAM_TARGET}× | {key.ratio('ha_stream'):.2f}× "
        f"| {worst_stream.ratio('ha_stream'):.2f}× ({worst_stream.delay:.1f} s, "
        f"{plural(worst_stream.sentences)}) "
        f"| {_met(worst_stream.ratio('ha_stream') <= HA_STREAM_TARGET)} |",
        f"| Home Assistant streaming ÷ non-streaming (whole MP3 exists), ≥ 5 sentences "
        f"| ≤ {HA_STREAM_VS_WHOLE_TARGET}× | {key.stream_vs_whole:.2f}× "
        f"| {worst_vs_whole.stream_vs_whole:.2f}× ({worst_vs_whole.delay:.1f} s, "
        f"{plural(worst_vs_whole.sentences)}) "
        f"| {_met(worst_vs_whole.stream_vs_whole <= HA_STREAM_VS_WHOLE_TARGET)} |",
        f"| Discord: say → first Opus frame, minus upstream first byte "
        f"| ≤ {DISCORD_OVER_UPSTREAM_TARGET * 1000:.0f} ms "
        f"| {key.discord_over_upstream * 1000:+.0f} ms "
        f"| {worst_discord.discord_over_upstream * 1000:+.0f} ms ({worst_discord.delay:.1f} s, "
        f"{plural(worst_discord.sentences)}) "
        f"| {_met(worst_discord.discord_over_upstream <= DISCORD_OVER_UPSTREAM_TARGET)} |",
    ]
    if report.gaps:
        worst_gap = max(report.gaps)
        rows.append(
            f"| Discord: silence between queued items ({len(report.gaps)} gaps at "
            f"{report.gap_delay:.1f} s) | ≤ {GAP_TARGET * 1000:.0f} ms "
            f"| median {statistics.median(report.gaps) * 1000:.0f} ms "
            f"| max {worst_gap * 1000:.0f} ms | {_met(worst_gap <= GAP_TARGET)} |"
        )
    rows.append(
        f"| CLI peak memory streaming long text to a file | constant "
        f"| {report.memory_line()} | — | — |"
    )
    return rows


def _ratio_table(report: Report, delay: float) -> list[str]:
    header = " | ".join(SHORT[p] for p in PLOTTED)
    rows = [
        f"| Sentences | Upstream first byte | {header} |",
        "|---:|---:|" + "---:|" * len(PLOTTED),
    ]
    for count in report.lengths:
        if (cell := report.cell(delay, count)) is None:
            continue
        ratios = " | ".join(f"{cell.ratio(p):.2f}×" for p in PLOTTED)
        rows.append(f"| {count} | {cell.ms('upstream'):.0f} ms | {ratios} |")
    return rows


def _ms_table(report: Report) -> list[str]:
    rows = [
        "| Delay | Sentences | " + " | ".join(SHORT[p] for p in PATHS) + " |",
        "|---:|---:|" + "---:|" * len(PATHS),
    ]
    for cell in sorted(report.cells, key=lambda c: (c.delay, c.sentences)):
        values = " | ".join(f"{cell.ms(p):.0f}" for p in PATHS)
        rows.append(f"| {cell.delay:.1f} s | {cell.sentences} | {values} |")
    return rows


def write_markdown(report: Report, path: Path, *, plot_name: str) -> None:
    delays = ", ".join(f"{d:.1f}" for d in report.delays)
    lengths = ", ".join(str(n) for n in report.lengths)
    lines = [
        "# Benchmarks",
        "",
        f"Measured {report.machine}; the sweep took {report.wall_seconds / 60:.1f} minutes.",
        f"Generated by `{report.command}` (bench/report.py): do not edit by hand, run it again.",
        "",
        f"![Time to first audio per path, as a ratio of the upstream's first byte]({plot_name})",
        "",
        "## Method",
        "",
        "Everything runs on this machine against the local emulator (`python -m vocu_emulator`), "
        f"one emulator process per first-byte delay ({delays} s), each sending 2 KiB of MP3 "
        "every 50 ms after that delay, and one real `hass` process per emulator with the "
        f"integration configured against it. For each delay and text length ({lengths} "
        f"sentences) every path is measured {report.runs}× (the median is shown), the paths "
        "interleaved, each measurement with a text of its own so Home Assistant's TTS cache "
        "never answers. Every figure is a ratio against the upstream's own first byte — a "
        "plain aiohttp GET of `simple-generate.mp3` for the same length — measured in the same "
        "run, so the figures mean the same on a faster or slower machine.",
        "",
        f"- **{LABELS['client']}**: `VocuClient.stream_speech`, from the call to the first chunk.",
        f"- **{LABELS['cli']}**: from spawning the `vocu` process to the first byte on its "
        "stdout; this includes starting a Python interpreter, which is most of the figure at "
        "short delays.",
        f"- **{LABELS['ha_stream']}**: `POST /api/tts_get_url`, then `GET` of that URL, to the "
        "first byte of the body. The integration cuts the text into sentences and sends the "
        "first one alone, so its first byte can come sooner than the upstream's for the whole "
        "text: ratios below 1× are that, not a measuring error.",
        f"- **{LABELS['upstream_whole']}**: what an integration without streaming gives: it "
        "asks for the whole text in one request and can hand Home Assistant nothing before the "
        "last byte of that answer. Measured directly against the emulator.",
        f"- **{LABELS['ha_last']}**: the streamed request above, to its last byte. It comes "
        "sooner than the non-streaming path because later sentences are requested while earlier "
        "ones are still streaming.",
        f"- **{LABELS['discord']}**: the bot's real `GuildPlayer`, client and FFmpeg; only the "
        "voice connection is a recorder. In the sweep it pulls frames as fast as FFmpeg makes "
        "them (the first frame comes no sooner); the gaps are measured with the recorder pulling "
        "one 20 ms frame at a time, as discord.py's audio thread does. Compared with the "
        "upstream's first byte for the bot's voice.",
        "- **Memory**: peak RSS of `vocu say` streaming 200 and 20 000 characters to a file, "
        "against an unpaced emulator (the figure is about buffering, not speed).",
        "",
        "## Targets",
        "",
        *_targets(report),
        "",
        "Streaming ÷ non-streaming rises with the first-byte delay, as both figures contain that "
        "delay; the targets were set for the 0.4 s pacing.",
        "",
        "## Time to first audio ÷ the upstream's first byte",
        "",
    ]
    for delay in report.delays:
        lines += [f"### First-byte delay {delay:.1f} s", "", *_ratio_table(report, delay), ""]
    lines += ["## Milliseconds (medians)", "", *_ms_table(report), ""]
    scale = path.parent / scale_output.JSON_NAME
    if scale.exists():  # bench_discord_scale.py's part, kept when this part is rewritten
        lines += scale_output.section(scale_output.load_json(scale))
    lavalink = path.parent / scale_lavalink_output.JSON_NAME
    if lavalink.exists():  # and its --engine lavalink part
        lines += scale_lavalink_output.section(scale_lavalink_output.load_json(lavalink))
    path.write_text("\n".join(lines))


# --- Plot ------------------------------------------------------------------------------------

COLOURS = {
    "upstream": "black",
    "client": "tab:blue",
    "cli": "tab:purple",
    "ha_stream": "tab:green",
    "upstream_whole": "tab:red",
    "ha_last": "tab:olive",
    "discord": "tab:orange",
}


def write_plot(report: Report, path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - the `bench` extra; only the report needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: PLC0415

    delays = report.delays
    fig = plt.figure(figsize=(4.2 * max(len(delays), 2), 8.4), layout="constrained")
    grid = fig.add_gridspec(2, max(len(delays), 2))
    ratio_axes = [fig.add_subplot(grid[0, i]) for i in range(len(delays))]
    for ax in ratio_axes[1:]:
        ax.sharey(ratio_axes[0])
    for ax, delay in zip(ratio_axes, delays, strict=True):
        cells = sorted((c for c in report.cells if c.delay == delay), key=lambda c: c.sentences)
        xs = [c.sentences for c in cells]
        for p in PLOTTED:
            ax.plot(xs, [c.ratio(p) for c in cells], "o-", color=COLOURS[p], label=LABELS[p])
        ax.axhline(1.0, color="black", linewidth=1, linestyle="--", label=LABELS["upstream"])
        ax.axhline(
            HA_STREAM_TARGET, color="tab:green", linewidth=1, linestyle=":",
            label=f"Home Assistant streaming target ({HA_STREAM_TARGET}×)",
        )  # fmt: skip
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}×"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(xs)
        ax.set_xlabel("text length (sentences)")
        ax.set_title(f"first-byte delay {delay:.1f} s")
        ax.grid(True, which="both", alpha=0.3)
    ratio_axes[0].set_ylabel("time to first audio ÷ upstream first byte")

    by_delay = fig.add_subplot(grid[1, : max(len(delays) - 1, 1)])
    key_length = report.key_cell.sentences
    cells = sorted((c for c in report.cells if c.sentences == key_length), key=lambda c: c.delay)
    for p in ("upstream", *PLOTTED):
        by_delay.plot(
            [c.delay for c in cells], [c.ms(p) for c in cells], "o-", color=COLOURS[p],
            label=SHORT[p],
        )  # fmt: skip
    by_delay.set_xticks([c.delay for c in cells])
    by_delay.set_xlabel("emulator first-byte delay (s)")
    by_delay.set_ylabel("time to first audio (ms)")
    by_delay.set_title(f"{plural(key_length)}: milliseconds against the first-byte delay")
    by_delay.grid(True, alpha=0.3)
    by_delay.legend(fontsize="small")

    memory = fig.add_subplot(grid[1, -1])
    if report.memory_small and report.memory_big:
        values = [report.memory_small[0] / 1024, report.memory_big[0] / 1024]
        bars = memory.bar(["200 chars", "20 000 chars"], values, color=["tab:gray", "tab:blue"])
        memory.bar_label(bars, fmt="%.1f MiB")
        ratio = report.memory_big[1] / report.memory_small[1]
        memory.set_title(f"`vocu say` peak RSS\n({ratio:.0f}× the audio)")
        memory.set_ylabel("MiB")
    else:
        memory.set_axis_off()

    handles, labels = ratio_axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize="small")
    fig.suptitle(f"vocu-voice benchmarks — {report.machine}", fontsize="medium")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
