"""qa.measure.procstat: CPU and memory read from /proc (None where there is none)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.measure.procstat import CpuSample, cpu_use, peak_rss_mb, sample


def test_cpu_use_is_seconds_over_wall_time_and_a_busy_share() -> None:
    before = CpuSample(wall=10.0, process_s=1.0, machine_busy=100, machine_total=400)
    after = CpuSample(wall=12.0, process_s=3.0, machine_busy=250, machine_total=600)
    use = cpu_use(before, after)
    assert use.process_cores == 1.0 and use.machine_percent == 75.0 and use.cores >= 1
    unknown = cpu_use(CpuSample(0.0, None, None, None), CpuSample(1.0, None, None, None))
    assert unknown.process_cores is None and unknown.machine_percent is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc on this system")
def test_this_process_is_read_from_proc() -> None:
    first = sample(os.getpid())
    sum(i * i for i in range(200_000))
    second = sample(os.getpid())
    assert first.process_s is not None and second.process_s is not None and second.process_s >= first.process_s
    assert second.machine_total is not None and first.machine_total is not None and second.machine_total >= first.machine_total
    rss = peak_rss_mb(os.getpid())
    assert rss is not None and rss > 1
    assert sample(None).process_s is None and peak_rss_mb(None) is None and peak_rss_mb(2**22 + 12345) is None
