"""The benchmark runs (on a tiny size; CI times nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_benchmark_runs_on_a_tiny_size(tmp_path: Path) -> None:
    report = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(report), "--latency-ms", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    text = report.read_text()
    for figure in (
        "share of the",
        "4 processes: share of one process's rate",
        "error 9 replies at the server",
        "wrapper CPU / raw zeep",
        "start-up, client / raw zeep",
        "peak RSS",
    ):
        assert figure in text
    assert "A quick smoke run" in text
