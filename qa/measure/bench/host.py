"""The machine a benchmark ran on, and this process's memory (Linux ``/proc``; NaN elsewhere)."""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Machine", "machine", "rss_mb"]


@dataclass(frozen=True)
class Machine:
    """Enough to read a report's absolute times: the CPU, and how loaded it was when the run started."""

    cpu: str
    python: str
    loadavg_1m: float
    loadavg_5m: float
    date: str
    cores: int | None = None


def machine() -> Machine:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return Machine(cpu, platform.python_version(), round(load[0], 2), round(load[1], 2), time.strftime("%Y-%m-%d %H:%M"), os.cpu_count())


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    current = peak = math.nan
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return round(current, 1), round(peak, 1)
