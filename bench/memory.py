"""Peak memory of a process streaming batch results, from the process's own VmHWM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .stats import Figure, Section, Spread

ROOT = Path(__file__).resolve().parent.parent


def _peak_mib(count: int) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.stream", str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return int(done.stdout.strip()) / 1024


def measure(rounds: int, large: int) -> Section:
    small = large // 10
    base, tenth, full = [], [], []
    for _ in range(rounds):
        base.append(_peak_mib(0))
        tenth.append(_peak_mib(small))
        full.append(_peak_mib(large))
    growth = Spread.of([f - t for f, t in zip(full, tenth, strict=True)])
    peak = Spread.of(full)
    figures = [
        Figure("peak RSS: imports and a client alone", Spread.of(base), "MiB"),
        Figure(f"peak RSS: {small:,} streamed results", Spread.of(tenth), "MiB"),
        Figure(
            f"peak RSS: {large:,} streamed results", peak, "MiB", "< 100 MiB", peak.median < 100
        ),
        Figure(
            f"growth from {small:,} to {large:,} results", growth, "MiB", "flat", growth.median < 10
        ),
    ]
    method = f"""\
A fresh interpreter streams results through `get_statuses` from a transport that answers at
once, on a simulated clock where each answer takes 50 ms, so the run passes through the
service's one-minute windows as a real batch would; it then prints its own peak resident set,
`VmHWM` from `/proc/self/status` (not `ru_maxrss`, which a child started by `subprocess` carries
over from its parent). 0, {small:,} and {large:,} results; {rounds} rounds."""
    return Section("Memory", method, figures)
