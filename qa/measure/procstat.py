"""CPU and memory of a process and of the machine, from Linux's ``/proc`` (no dependency).

The load test reads them before and after the load: the app's CPU seconds over the wall time say how
many cores it kept busy, the machine's say how much the rest (the load generator, other work) took.
Elsewhere (no ``/proc``) every figure is None.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuSample", "CpuUse", "sample", "cpu_use", "peak_rss_mb"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class CpuSample:
    """One reading: wall clock, the process's CPU seconds (user + system) and the machine's busy and total jiffies."""

    wall: float
    process_s: float | None
    machine_busy: int | None
    machine_total: int | None


@dataclass(frozen=True)
class CpuUse:
    """Between two samples: cores the process kept busy, and the machine's busy share of all its cores."""

    process_cores: float | None
    machine_percent: float | None
    cores: int


def _process_seconds(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _machine() -> tuple[int, int] | tuple[None, None]:
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None, None
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def sample(pid: int | None) -> CpuSample:
    busy, total = _machine()
    return CpuSample(time.monotonic(), _process_seconds(pid) if pid is not None else None, busy, total)


def cpu_use(before: CpuSample, after: CpuSample) -> CpuUse:
    wall = after.wall - before.wall
    process = None
    if before.process_s is not None and after.process_s is not None and wall > 0:
        process = round((after.process_s - before.process_s) / wall, 2)
    machine = None
    if None not in (before.machine_busy, before.machine_total, after.machine_busy, after.machine_total):
        assert before.machine_busy is not None and before.machine_total is not None
        assert after.machine_busy is not None and after.machine_total is not None
        total = after.machine_total - before.machine_total
        machine = round(100 * (after.machine_busy - before.machine_busy) / total, 1) if total else None
    return CpuUse(process, machine, os.cpu_count() or 1)


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident memory (VmHWM) in MB."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
