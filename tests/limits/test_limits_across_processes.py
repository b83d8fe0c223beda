"""Many processes on one login keep the service's limits together, through a SQLite file or
a Redis server: worker processes (tests/support/limits_worker.py) against the sandbox with
its limits on, which counts at the server what the workers could hide (error 9, bad logins)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smsc_soap import RateLimitError, StatusClient
from smsc_soap.sandbox import BookMessage, MessageBook, SandboxApp, SandboxOptions
from smsc_soap.sandbox.enforced_limits import EnforcedLimits

from support.limits_worker import JOB_VARIABLE
from support.sandboxes import SandboxStarter

pytestmark = pytest.mark.slow  # worker processes, each starting its own interpreter

PHONE = "79990000001"
WORKER = Path(__file__).parents[1] / "support" / "limits_worker.py"
WAIT = 30.0
"""The longest a worker may take: a safety net, never reached when the client behaves."""


class CountingLimits(EnforcedLimits):
    """The sandbox's limits, counting the requests they answer with error 9 and the lookups
    of each message that reach them."""

    def __init__(self) -> None:
        super().__init__(clock=time.monotonic)
        self.over_limits = 0
        self.lookups: Counter[str] = Counter()
        self._counting = threading.Lock()

    def admit_lookup(self, login: str, phone: str, message_id: str) -> bool:
        admitted = super().admit_lookup(login, phone, message_id)
        with self._counting:
            self.lookups[message_id] += 1
            self.over_limits += not admitted
        return admitted

    @contextmanager
    def request(self, login: str) -> Iterator[bool]:
        with super().request(login) as admitted:
            if not admitted:
                with self._counting:
                    self.over_limits += 1
            yield admitted


class CountingApp(SandboxApp):
    """The sandbox with 20 ms of latency and its limits on, counting over-limit requests and
    requests with wrong credentials (answered with error 2)."""

    def __init__(self, book: MessageBook) -> None:
        super().__init__(book, SandboxOptions(latency_ms=20, enforce_limits=True))
        self.limits: CountingLimits = CountingLimits()
        self.bad_logins = 0
        self._counting = threading.Lock()

    def authorised(self, params: Mapping[str, str]) -> bool:
        accepted = super().authorised(params)
        if not accepted:
            with self._counting:
                self.bad_logins += 1
        return accepted


@dataclass
class Counted:
    app: CountingApp
    endpoint: str


@pytest.fixture
def counted(start_sandbox: SandboxStarter) -> Counted:
    """A sandbox with its limits on that counts bad logins, and its SOAP endpoint."""
    book = MessageBook(BookMessage(id=str(n), phone=PHONE, status=1) for n in range(700))
    app = CountingApp(book)
    return Counted(app, start_sandbox(app).soap_endpoint)


def start_worker(job: dict[str, Any]) -> subprocess.Popen[str]:
    job = {"login": "demo", "password": "demo", "phone": PHONE, **job}
    return subprocess.Popen(
        [sys.executable, str(WORKER)],
        env={**os.environ, JOB_VARIABLE: json.dumps(job)},
        stdout=subprocess.PIPE,
        text=True,
    )


def run_workers(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the jobs in as many processes at once; what each printed."""
    workers = [start_worker(job) for job in jobs]
    try:
        summaries = []
        for worker in workers:
            output, _ = worker.communicate(timeout=WAIT)
            assert worker.returncode == 0, output
            summaries.append(json.loads(output))
        return summaries
    finally:
        for worker in workers:
            if worker.poll() is None:  # only when the test has failed
                worker.kill()
                worker.wait()


def warm_up(counted: Counted, limits: str) -> None:
    """A first lookup of the credentials answered through the store: after it, their
    requests need not go one at a time."""
    with StatusClient(
        "demo", "demo", endpoint=counted.endpoint, allow_insecure_http=True, limits=limits
    ) as client:
        client.get_status(PHONE, "0")


def test_three_processes_on_one_login_draw_no_error_9(counted: Counted, limits: str) -> None:
    ids = [str(n) for n in range(1, 601)]
    jobs = [
        {"mode": "batch", "endpoint": counted.endpoint, "limits": limits, "ids": ids[k::3]}
        for k in range(3)
    ]

    outcomes = [outcome for summary in run_workers(jobs) for outcome in summary["outcomes"]]

    assert sorted(outcome["id"] for outcome in outcomes) == sorted(ids)
    assert [outcome for outcome in outcomes if outcome["error"]] == []
    assert counted.app.limits.over_limits == 0
    assert sum(counted.app.limits.lookups.values()) == 600


def test_the_places_of_a_killed_worker_come_back(counted: Counted, limits: str) -> None:
    warm_up(counted, limits)
    worker = start_worker(
        {
            "mode": "hang",
            "endpoint": counted.endpoint,  # the host the credentials were accepted at
            "limits": limits,
            "ids": ["1", "2", "3", "4"],
            "deadline": 1.5,
            "lease_margin": 0.2,
        }
    )
    try:
        assert worker.stdout is not None
        ready, _, _ = select.select([worker.stdout], [], [], WAIT)
        assert ready, "the worker never took four places"
        assert worker.stdout.readline().strip() == "holding"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=WAIT)

    def client(**options: Any) -> StatusClient:
        return StatusClient(
            "demo",
            "demo",
            endpoint=counted.endpoint,
            allow_insecure_http=True,
            limits=limits,
            **options,
        )

    # Its requests may still run at the service: on either store, its places end with
    # their leases, not with the process.
    with (
        client(wait_for_limits=False) as impatient,
        pytest.raises(RateLimitError, match="already in flight"),
    ):
        impatient.get_status(PHONE, "5")
    with client(deadline=10) as patient:
        results = list(patient.get_statuses((PHONE, str(n)) for n in range(5, 13)))

    assert [result.error for result in results] == [None] * 8
    assert counted.app.limits.over_limits == 0


def test_six_lookups_of_one_message_from_three_processes_send_five(
    counted: Counted, limits: str
) -> None:
    warm_up(counted, limits)
    job = {
        "mode": "each",
        "endpoint": counted.endpoint,
        "limits": limits,
        "ids": ["7", "7"],
        "wait": False,
    }

    outcomes = [outcome for summary in run_workers([job] * 3) for outcome in summary["outcomes"]]

    errors = [outcome for outcome in outcomes if outcome["error"]]
    assert [(error["error"], error["from_service"]) for error in errors] == [
        ("RateLimitError", False)
    ]
    assert counted.app.limits.lookups["7"] == 5
    assert counted.app.limits.over_limits == 0


def test_a_wrong_password_in_three_processes_costs_one_bad_login(
    counted: Counted, limits: str
) -> None:
    ids = [str(n) for n in range(1, 21)]
    job = {
        "mode": "batch",
        "endpoint": counted.endpoint,
        "limits": limits,
        "ids": ids,
        "password": "wrong",
    }

    summaries = run_workers([job] * 3)

    assert [summary["raised"]["error"] for summary in summaries] == ["AuthenticationError"] * 3
    assert counted.app.bad_logins == 1
