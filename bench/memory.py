"""Peak memory of a process streaming 0, 10,000 and 100,000 batch results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .stats import Figure, Spread

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


def measure(rounds: int, large: int) -> list[Figure]:
    small = large // 10
    base, tenth, full = [], [], []
    for _ in range(rounds):
        base.append(_peak_mib(0))
        tenth.append(_peak_mib(small))
        full.append(_peak_mib(large))
    growth = Spread.of([f - t for f, t in zip(full, tenth, strict=True)])
    peak = Spread.of(full)
    return [
        Figure("peak RSS: imports alone", Spread.of(base), "MiB"),
        Figure(f"peak RSS: {small:,} streamed results", Spread.of(tenth), "MiB"),
        Figure(
            f"peak RSS: {large:,} streamed results", peak, "MiB", "< 100 MiB", peak.median < 100
        ),
        Figure(
            f"growth from {small:,} to {large:,} results", growth, "MiB", "flat", growth.median < 10
        ),
    ]
