"""Many processes on one login: 1, 2 and 4 worker processes sharing the service's limits
through a SQLite file or a Redis server, against one process with its limits in memory.

The sandbox runs in this process with the service's limits on and counts, at the server,
the requests it answers with error 9. Each worker imports the client, warms its connection
and the store with one lookup, then waits; all start together, and a setup's rate is all its
lookups over the time from the first start to the last end. The ceiling is what the limits
allow: 4 requests in flight over the round trip, measured in the same round one lookup at a
time. ``python -m bench.processes`` is one worker: its job on the first line of stdin, then
``go``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smsc_soap import StatusClient
from smsc_soap.limits.service_limits import CONCURRENT_LIMIT
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

from .sandbox_server import PHONE, CountedLimits
from .stats import Figure, Spread

PROCESSES = (1, 2, 4)
ROUND_TRIP_LOOKUPS = 20
GOAL = 90.0
"""Percent of one process's rate that 4 processes sharing a store should reach."""


@dataclass(frozen=True)
class Setup:
    store: str
    processes: int

    @property
    def name(self) -> str:
        return _label(self.store, [self.processes])


def _label(store: str, processes: list[int]) -> str:
    noun = "process" if processes == [1] else "processes"
    return f"{store}, {'/'.join(str(count) for count in processes)} {noun}"


def measure(rounds: int, lookups: int, latency_ms: float) -> list[Figure]:
    """``lookups`` per setup and round, split evenly over the setup's processes."""
    with_redis = bool(shutil.which("redis-server") and importlib.util.find_spec("redis"))
    if not with_redis:
        print("processes: no redis-server or redis-py; Redis is left out", file=sys.stderr)
    setups = [Setup("memory", 1)] + [
        Setup(store, count)
        for store in (("SQLite", "Redis") if with_redis else ("SQLite",))
        for count in PROCESSES
    ]
    per_round = ROUND_TRIP_LOOKUPS + 1 + sum(lookups + setup.processes for setup in setups)
    book = MessageBook(
        BookMessage(id=str(n), phone=PHONE, status=1) for n in range(rounds * per_round)
    )
    app = SandboxApp(book, SandboxOptions(latency_ms=latency_ms, enforce_limits=True))
    app.limits = counting = CountedLimits()
    round_trips: list[float] = []
    rates: dict[Setup, list[float]] = {setup: [] for setup in setups}
    refused: dict[Setup, list[float]] = {setup: [] for setup in setups}
    failed: dict[Setup, list[float]] = {setup: [] for setup in setups}
    with tempfile.TemporaryDirectory() as directory, Sandbox(app) as sandbox:
        folder = Path(directory)
        with _redis_server(folder) if with_redis else _no_server() as redis_url:
            run = _Run(sandbox.soap_endpoint, counting, folder, redis_url)
            for round_number in range(rounds):
                round_trips.append(run.round_trip())
                for setup in setups:
                    rate, over_limits, failures = run.setup(setup, lookups, round_number)
                    rates[setup].append(rate)
                    refused[setup].append(over_limits)
                    failed[setup].append(failures)
    return _figures(setups, rates, refused, failed, round_trips, lookups)


class _Run:
    """One run against one sandbox; every lookup in it, warm-ups included, asks a message
    not asked before, so no per-message window holds one back."""

    def __init__(self, endpoint: str, counting: CountedLimits, folder: Path, redis: str) -> None:
        self.endpoint = endpoint
        self.counting = counting
        self.folder = folder
        self.redis_url = redis
        self._fresh = (str(n) for n in itertools.count())

    def round_trip(self) -> float:
        """Seconds a lookup takes, one at a time."""
        ids = self._new(ROUND_TRIP_LOOKUPS)
        [alone] = self._workers("memory://", [ids], one_at_a_time=True)
        seconds: float = (alone["ended"] - alone["started"]) / len(ids)
        return seconds

    def setup(self, setup: Setup, lookups: int, round_number: int) -> tuple[float, int, int]:
        """The aggregate rate, the error 9 replies and the failed items of one setup."""
        limits = _fresh_store(setup, self.folder, round_number, self.redis_url)
        ids = self._new(lookups)
        before = self.counting.total()
        done = self._workers(limits, [ids[k :: setup.processes] for k in range(setup.processes)])
        elapsed = max(d["ended"] for d in done) - min(d["started"] for d in done)
        failures = sum(d["failed"] for d in done)
        return lookups / elapsed, self.counting.total() - before, failures

    def _new(self, count: int) -> list[str]:
        return [next(self._fresh) for _ in range(count)]

    def _workers(
        self, limits: str, shares: list[list[str]], *, one_at_a_time: bool = False
    ) -> list[dict[str, Any]]:
        warm_ups = self._new(len(shares))
        return _run(self.endpoint, limits, shares, warm_ups, one_at_a_time=one_at_a_time)


def _figures(
    setups: list[Setup],
    rates: dict[Setup, list[float]],
    refused: dict[Setup, list[float]],
    failed: dict[Setup, list[float]],
    round_trips: list[float],
    lookups: int,
) -> list[Figure]:
    ceilings = [(CONCURRENT_LIMIT - 1) / seconds for seconds in round_trips]
    baseline = rates[setups[0]]
    figures = [
        Figure(
            "processes: round trip, one lookup at a time",
            Spread.of([seconds * 1000 for seconds in round_trips]),
            "ms",
        )
    ]
    for store in dict.fromkeys(setup.store for setup in setups):
        mine = [setup for setup in setups if setup.store == store]
        for setup in mine:
            figures += [
                Figure(f"{setup.name}: rate", Spread.of(rates[setup]), "lookups/s"),
                Figure(
                    f"{setup.name}: share of the ceiling (4 / round trip)",
                    Spread.of([r / c * 100 for r, c in zip(rates[setup], ceilings, strict=True)]),
                    "%",
                ),
            ]
        most = mine[-1]
        if most.processes > 1:
            share = Spread.of([r / b * 100 for r, b in zip(rates[most], baseline, strict=True)])
            figures.append(
                Figure(
                    f"{most.name}: share of one process's rate (memory)",
                    share,
                    "%",
                    f"≥ {GOAL:g}%",
                    share.median >= GOAL,
                )
            )
        for label, counts in (("error 9 replies at the server", refused), ("failed items", failed)):
            per_round = zip(*(counts[setup] for setup in mine), strict=True)
            spread = Spread.of([sum(setups_of_round) for setups_of_round in per_round])
            figures.append(
                Figure(
                    f"{_label(store, [setup.processes for setup in mine])}: {label}",
                    spread,
                    f"of {lookups * len(mine)} a round",
                    "0",
                    spread.high == 0,
                )
            )
    return figures


def _run(
    endpoint: str,
    limits: str,
    shares: list[list[str]],
    warm_ups: list[str],
    *,
    one_at_a_time: bool = False,
) -> list[dict[str, Any]]:
    """One worker per share of messages, started together once every one is ready."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.processes"],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in shares
    ]
    try:
        for worker, ids, warm_up in zip(workers, shares, warm_ups, strict=True):
            job = {"endpoint": endpoint, "limits": limits, "ids": ids, "warm_up": warm_up}
            _tell(worker, json.dumps({**job, "one_at_a_time": one_at_a_time}))
        for worker in workers:
            _expect(worker, "ready")
        for worker in workers:
            _tell(worker, "go")
        done = [json.loads(_expect(worker, "{")) for worker in workers]
        for worker in workers:
            if worker.wait(timeout=60) != 0:
                raise RuntimeError(f"a benchmark worker exited with {worker.returncode}")
        return done
    finally:
        for worker in workers:
            if worker.poll() is None:  # only when the run has failed
                worker.kill()
                worker.wait()


def _tell(worker: subprocess.Popen[str], line: str) -> None:
    if worker.stdin is None:
        raise RuntimeError("the worker's input is not piped")
    worker.stdin.write(line + "\n")
    worker.stdin.flush()


def _expect(worker: subprocess.Popen[str], start: str) -> str:
    if worker.stdout is None:
        raise RuntimeError("the worker's output is not piped")
    line = worker.stdout.readline()
    if not line.startswith(start):
        raise RuntimeError(f"a benchmark worker said {line!r}, not {start!r}...")
    return line


@contextmanager
def _redis_server(directory: Path) -> Iterator[str]:
    """A redis-server on a free port of 127.0.0.1, with no persistence, until the block ends."""
    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        connection = redis.Redis.from_url(url)
        for _ in range(500):
            try:
                connection.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        connection.close()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def _no_server() -> Iterator[str]:
    yield ""


def _fresh_store(setup: Setup, folder: Path, round_number: int, redis_url: str) -> str:
    """A store URL for ``setup``, with nothing in it yet."""
    if setup.store == "SQLite":
        return f"sqlite:///{folder}/{round_number}-{setup.processes}.db"
    if setup.store == "Redis":
        import redis

        with redis.Redis.from_url(redis_url) as connection:
            connection.flushall()
        return redis_url
    return "memory://"


def worker() -> None:
    """Warm up (one lookup), say ``ready``, wait for ``go``, look the messages up, and print
    when it started and ended (wall clock: the same for every process of the host)."""
    job = json.loads(sys.stdin.readline())
    ids = job["ids"]
    with StatusClient(
        "demo", "demo", endpoint=job["endpoint"], allow_insecure_http=True, limits=job["limits"]
    ) as client:
        client.get_status(PHONE, job["warm_up"])
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.time()
        if job["one_at_a_time"]:
            failed = 0
            for message_id in ids:
                client.get_status(PHONE, message_id)
        else:
            results = client.get_statuses((PHONE, message_id) for message_id in ids)
            failed = sum(result.error is not None for result in results)
        ended = time.time()
    print(json.dumps({"started": started, "ended": ended, "failed": failed}), flush=True)


if __name__ == "__main__":
    worker()
