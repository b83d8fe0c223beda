"""The benchmark runs (on a tiny size; CI times nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
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
        "import smsc_soap / import zeep, wall",
        "smsc-soap --help / import zeep, wall",
        "smsc-soap status (one SOAP lookup) / import zeep, wall",
        "client / raw zeep",
        "floor through requests / raw zeep",
        "share of 4 x the round trip measured in the same round",
        "error 9 replies, counted by the sandbox",
        "4 processes: share of one process's rate",
        "error 9 replies at the server",
        "peak RSS",
        "one process per lookup / the gateway, wall",
        "upstream requests per 1,000 caller lookups, through the gateway",
        "requests refused with error 9, straight at the service",
        "JSON, 64 callers: gateway / floor, requests/s",
        "SOAP, 1 callers: gateway, CPU per request",
        "HTTP, 8 callers: gateway, p99",
    ):
        assert figure in text
    assert "A quick smoke run" in text


def test_a_quick_run_writes_beside_the_committed_results_not_over_them() -> None:
    from bench.__main__ import RESULTS, output_path

    quick = output_path(None, quick=True)

    assert quick.parent == RESULTS.parent
    assert quick != RESULTS
    assert output_path(None, quick=False) == RESULTS
    assert output_path(Path("elsewhere.md"), quick=True) == Path("elsewhere.md")


def test_a_section_run_alone_takes_the_place_of_its_earlier_figures() -> None:
    from bench.__main__ import _merged
    from bench.stats import Figure, Section, Spread

    earlier = (
        "# Benchmark results\n\n- date: then\n- command: `python -m bench`\n\nIntro.\n\n"
        "## Start-up\n\n| figure | median (min–max) | goal | |\n|---|---|---|---|\n"
        "| from smsc_soap import StatusClient / import zeep, wall | 2.00 (1.00–3.00) x "
        "| ≤ 1.3x | **missed** |\n\nHow: timed.\n\n"
        "## Serving cached statuses\n\n| figure | median (min–max) | goal | |\n|---|---|---|---|\n"
        "| SOAP, 64 callers: gateway, p99 | 40.00 (30.00–50.00) ms | ≤ 10 ms | **missed** |"
        "\n\nHow: wrk.\n\n## Goals missed, and why\n\n- old reasons\n"
    )
    serving = Section(
        "Serving cached statuses",
        "wrk again.",
        [Figure("SOAP, 64 callers: gateway, p99", Spread(5, 6, 7), "ms", "≤ 10 ms", True)],
    )

    merged = _merged(earlier, [serving], "serving")

    assert "40.00" not in merged
    assert "| SOAP, 64 callers: gateway, p99 | 6.00 (5.00–7.00) ms | ≤ 10 ms | met |" in merged
    assert merged.index("## Start-up") < merged.index("## Serving") < merged.index("## Goals")
    assert "- re-run: serving on " in merged
    assert "- command: `python -m bench`" in merged
    # The reasons are read again from the tables: the start-up miss stays, the p99 one goes.
    assert "**The client's import**" in merged
    assert "**p99 at 64 callers**" not in merged
    assert "old reasons" not in merged
