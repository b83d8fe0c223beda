"""Worker processes (tests/support/limits_worker.py) on one login and one store, against a
counting stand-in of the service whose requests take their time there whatever the caller
does: at most 4 in flight and 5 lookups of a message a minute, through a SQLite file deleted
mid-run and after a worker is killed with its requests still running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smsc_soap import StatusClient

from support.counting_service import PHONE, CountingService
from support.limits_worker import JOB_VARIABLE
from support.sandboxes import SandboxStarter

pytestmark = pytest.mark.slow  # worker processes, each starting its own interpreter

WORKER = Path(__file__).parents[1] / "support" / "limits_worker.py"
WAIT = 60.0
"""The longest a worker may take: a safety net, never reached when the client behaves."""


class Workers:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, job: dict[str, Any]) -> subprocess.Popen[str]:
        job = {"login": "demo", "password": "demo", "phone": PHONE, **job}
        worker = subprocess.Popen(
            [sys.executable, str(WORKER)],
            env={**os.environ, JOB_VARIABLE: json.dumps(job)},
            stdout=subprocess.PIPE,
            text=True,
        )
        self.started.append(worker)
        return worker

    def results(self) -> list[dict[str, Any]]:
        summaries = []
        for worker in self.started:
            output, _ = worker.communicate(timeout=WAIT)
            if worker.returncode == 0:
                summaries.append(json.loads(output))
        return summaries


@pytest.fixture
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    for worker in started.started:
        if worker.poll() is None:  # only when the test has failed
            worker.kill()
            worker.wait()


def warm_up(endpoint: str, limits: str) -> None:
    """The credentials answered once through the store: their requests go side by side."""
    with StatusClient(
        "demo", "demo", endpoint=endpoint, allow_insecure_http=True, limits=limits
    ) as client:
        client.get_status(PHONE, "0")


def test_a_sqlite_file_deleted_mid_run_stays_one_store(
    start_sandbox: SandboxStarter, workers: Workers, tmp_path: Path
) -> None:
    service = CountingService(latency_ms=300)
    endpoint = start_sandbox(service).soap_endpoint
    path = tmp_path / "limits.db"
    limits = f"sqlite:///{path}"
    warm_up(endpoint, limits)

    def job(k: int) -> dict[str, Any]:
        ids = ["1", f"{10 + k}", "1", f"{20 + k}", "1", f"{30 + k}", f"{40 + k}"]
        return {"mode": "each", "endpoint": endpoint, "limits": limits, "ids": ids, "deadline": 20}

    for k in range(3):
        workers.start(job(k))
    service.wait_for(1 + 3)  # the warm-up, and a request of each worker
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    for k in range(3, 6):
        workers.start(job(k))
    summaries = workers.results()

    assert len(summaries) == 6
    assert service.most_in_flight <= 4
    assert service.lookups["1"] <= 5
    errors = {o["error"] for s in summaries for o in s["outcomes"] if o["error"]}
    assert errors <= {"RateLimitError"}  # the sixth lookup of "1" and on, held back


def test_a_worker_killed_with_requests_at_the_service_keeps_their_places(
    start_sandbox: SandboxStarter, workers: Workers, limits: str
) -> None:
    service = CountingService(latency_ms=4000)
    endpoint = start_sandbox(service).soap_endpoint
    warm_up(endpoint, limits)
    base = {"mode": "batch", "endpoint": endpoint, "limits": limits, "deadline": 3}

    killed = workers.start({**base, "ids": ["1", "2", "3", "4"]})
    service.wait_for(1 + 4)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=WAIT)
    started = time.monotonic()
    workers.start({**base, "ids": ["5", "6"]})
    summaries = workers.results()

    assert service.most_in_flight <= 4
    # Its requests still run at the service: the next worker's are held back, not sent.
    assert service.arrived == 1 + 4
    outcomes = [outcome for summary in summaries for outcome in summary["outcomes"]]
    assert [outcome["error"] for outcome in outcomes] == ["RateLimitError"] * 2
    assert time.monotonic() - started < WAIT
