"""CPU and memory of other processes, read from Linux's /proc (no psutil: not a dependency).

CPU times are what the kernel charged a process (user + system), and separately what it charged
the children that process has reaped (`cutime`/`cstime`): FFmpeg processes the bot killed and
waited for land there, so their whole CPU is counted even though each lives only a few seconds.
Memory is sampled: RSS, and PSS (shared libraries split between the processes that map them, so
the sum over a hundred FFmpegs is not inflated a hundred times).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class CpuTimes:
    own: float  # seconds of user + system CPU of the process itself
    children: float  # seconds of its reaped children (and theirs)


def cpu_times(pid: int) -> CpuTimes:
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) / TICKS for value in fields[11:15])
    return CpuTimes(own=utime + stime, children=cutime + cstime)


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    values = [int(v) / TICKS for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def memory_kib(pid: int, *, proportional: bool = False) -> int:
    """RSS of `pid` in KiB, or its PSS (slower: the kernel walks its page tables)."""
    if proportional:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
        return 0
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    pids: list[int] = []
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            pids += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def is_zombie(pid: int) -> bool:
    """Exited but not yet reaped: it holds no memory, only its exit status."""
    return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


@dataclass(slots=True)
class MemoryPeak:
    """The largest values seen while sampling (each its own maximum, not one moment's)."""

    process_rss_kib: int = 0
    process_pss_kib: int = 0
    children: int = 0  # alive at once (exited ones waiting to be reaped not counted)
    children_rss_kib: int = 0
    children_pss_kib: int = 0
    samples: int = 0


class MemorySampler:
    """Samples a process and its children on a thread until stopped (PSS every few samples)."""

    def __init__(self, pid: int, interval: float = 0.5, pss_every: int = 1) -> None:
        self.pid = pid
        self.interval = interval
        self.pss_every = pss_every
        self.peak = MemoryPeak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sample(proportional=self.peak.samples % self.pss_every == 0)
            except (FileNotFoundError, ProcessLookupError):
                return  # the process ended
            self.peak.samples += 1
            self._stop.wait(self.interval)

    def _sample(self, *, proportional: bool) -> None:
        peak = self.peak
        peak.process_rss_kib = max(peak.process_rss_kib, memory_kib(self.pid))
        rss = pss = count = 0
        for child in children(self.pid):
            try:
                if is_zombie(child):
                    continue
                rss += memory_kib(child)
                if proportional:
                    pss += memory_kib(child, proportional=True)
                count += 1
            except (FileNotFoundError, ProcessLookupError):
                continue  # it ended between the listing and the read
        peak.children = max(peak.children, count)
        peak.children_rss_kib = max(peak.children_rss_kib, rss)
        if proportional:
            peak.process_pss_kib = max(
                peak.process_pss_kib, memory_kib(self.pid, proportional=True)
            )
            peak.children_pss_kib = max(peak.children_pss_kib, pss)
