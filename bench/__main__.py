"""``python -m bench``: run every benchmark, print the table, write bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from . import cpu, memory, processes, startup, throughput
from .stats import Figure

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FULL = {"rounds": 5, "cpu_lookups": 2000, "batch": 2000, "batch_rounds": 3, "stream": 100_000}
QUICK = {"rounds": 2, "cpu_lookups": 50, "batch": 40, "batch_rounds": 1, "stream": 2000}
FULL |= {"process_lookups": 400, "process_rounds": 3}
QUICK |= {"process_lookups": 40, "process_rounds": 1}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    options = parser.parse_args()
    size = QUICK if options.quick else FULL

    figures: list[Figure] = []
    for title, run in (
        (
            "throughput",
            lambda: throughput.measure(size["batch_rounds"], size["batch"], options.latency_ms),
        ),
        (
            "processes",
            lambda: processes.measure(
                size["process_rounds"], size["process_lookups"], options.latency_ms
            ),
        ),
        ("cpu", lambda: cpu.measure(size["rounds"], size["cpu_lookups"])),
        ("start-up", lambda: startup.measure(size["rounds"])),
        ("memory", lambda: memory.measure(max(size["rounds"] // 2, 1), size["stream"])),
    ):
        print(f"running {title} ...", file=sys.stderr, flush=True)
        figures += run()

    table = _table(figures)
    print(table)
    options.output.write_text(_report(table, size, quick=options.quick), encoding="utf-8")
    print(f"written to {options.output}", file=sys.stderr)


def _table(figures: list[Figure]) -> str:
    rows = ["| figure | median (min–max) | target | |", "|---|---|---|---|"]
    rows += ["| " + " | ".join(figure.cells()) + " |" for figure in figures]
    return "\n".join(rows)


def _report(table: str, size: dict[str, int], *, quick: bool) -> str:
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("smsc-soap", "zeep", "requests", "urllib3", "lxml", "tenacity", "pydantic")
    )
    note = "A quick smoke run: sizes too small to read anything into.\n\n" if quick else ""
    return f"""# Benchmark results

{note}- date: {datetime.now(timezone.utc).isoformat(timespec="seconds")}
- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}
- Python {platform.python_version()}; {packages}
- sizes: {size}
- command: `python -m bench{" --quick" if quick else ""}`

Each figure is the median of its rounds with the lowest and highest in brackets. Ratios are
taken within a round, side by side; the machine is shared, so absolute times drift between
runs while the ratios hold better.

{table}

How each is measured:

- **Throughput**: the sandbox in a process of its own with 50 ms latency and the service's
  limits on, restarted for each run; {size["batch"]:,} distinct messages per run. The
  ceiling is what the limits allow: fewer than 5 requests in flight, so 4 / 0.05 s. The plain
  raw zeep loop runs one round.
- **Processes**: 1, 2 and 4 worker processes on one login sharing the limits through a
  SQLite file or a Redis server (on 127.0.0.1), against one process with its limits in
  memory; {size["process_lookups"]:,} new messages per setup, split over its processes, which
  start together once each has warmed up. The sandbox runs in the benchmark's process with
  the same latency and counts error 9 replies at the server; the ceiling is 4 over the round
  trip of one lookup at a time, measured in the same round.
- **CPU per lookup**: process time with a canned reply from a requests adapter, no sockets;
  the floor builds the envelope with an f-string and parses the reply with bare lxml.
- **Start-up**: wall time of a fresh interpreter importing and building a client from the
  shipped WSDL, against one building a raw zeep client from the same file.
- **Memory**: peak RSS of a fresh interpreter streaming results through `get_statuses` from
  a transport that answers at once, on a simulated clock where each answer takes 50 ms, so
  the run passes through the service's one-minute windows as a real batch would.
"""


if __name__ == "__main__":
    main()
