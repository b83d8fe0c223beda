"""The gateway: lookups the way a 1C script makes them today, against the same lookups through
``smsc-soap serve``; and what polling callers cost the service with and without it.

**One process per lookup.** A script that cannot import Python starts ``smsc-soap status`` once
per message, one after another; the same messages, as many again, go through the gateway's JSON
face (``GET /v1/status``, Basic auth, one kept-alive connection) one after another. Every
lookup asks a message not asked before, so each one goes to the service in both setups: like
is compared with like. The gateway runs as its own process (``smsc-soap serve``), started and
warmed before the clock starts. CPU is, on one side, the command line processes' own (their
rusage); on the other, the gateway's (read from ``/proc`` before and after, in 10 ms ticks)
and the caller's thread making the requests to it. Both use the default limit store (a
SQLite file), in a state directory of the run's own. The order of the two setups is shuffled
from round to round.

**Polling.** Callers in threads of this process poll a few messages, each as fast as it gets
answers, for a fixed time: once through the gateway's JSON face and once straight at the
sandbox's ``status.php``. The sandbox (its own process, the service's limits on) counts the
requests it answers and the ones it refuses with error 9.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from .sandbox_server import PHONE, REFUSALS_PATH, REQUESTS_PATH
from .stats import Figure, Section, Spread
from .throughput import sandbox

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "smsc-soap"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "smsc_soap.cli"]
AUTH = ("demo", "demo")
POLLED_MESSAGES = 10

PER_PROCESS = "one smsc-soap status process per lookup"
THROUGH_GATEWAY = "the gateway's JSON face"


def measure(
    rounds: int, lookups: int, callers: int, poll_seconds: float, latency_ms: float
) -> Section:
    """``lookups`` per setup and round; ``callers`` polling for ``poll_seconds``."""
    messages = rounds * 2 * lookups + 1  # each setup's new messages, and one to warm up
    wall: dict[str, list[float]] = {PER_PROCESS: [], THROUGH_GATEWAY: []}
    cpu: dict[str, list[float]] = {PER_PROCESS: [], THROUGH_GATEWAY: []}
    with tempfile.TemporaryDirectory() as state, sandbox(messages, latency_ms) as url:
        environment = {
            **os.environ,
            "XDG_STATE_HOME": state,
            "SMSC_LOGIN": AUTH[0],
            "SMSC_PASSWORD": AUTH[1],
            "SMSC_ENDPOINT": f"{url}/sys/soap.php",
        }
        with _gateway(environment) as (base, pid):
            ids = iter(str(n) for n in range(messages))
            with requests.Session() as session:
                _look_up(session, base, next(ids))  # the gateway's client built, and warm
                for _ in range(rounds):
                    setups: dict[str, Callable[[list[str]], tuple[float, float]]] = {
                        PER_PROCESS: lambda batch: _per_process(batch, environment),
                        THROUGH_GATEWAY: lambda batch: _through_gateway(batch, session, base, pid),
                    }
                    order = list(setups)
                    random.shuffle(order)
                    for name in order:
                        seconds, cpu_seconds = setups[name]([next(ids) for _ in range(lookups)])
                        wall[name].append(seconds / lookups)
                        cpu[name].append(cpu_seconds / lookups)
    figures = [
        Figure(f"{lookups} lookups, {name}: wall per lookup", Spread.of(wall[name]), "s")
        for name in (PER_PROCESS, THROUGH_GATEWAY)
    ]
    figures += [
        Figure(
            "one process per lookup / the gateway, wall",
            Spread.of_ratios(wall[PER_PROCESS], wall[THROUGH_GATEWAY]),
            "x",
        ),
        Figure(
            "one process per lookup / the gateway, CPU (the processes / the gateway's and the"
            " caller's requests)",
            Spread.of_ratios(cpu[PER_PROCESS], cpu[THROUGH_GATEWAY]),
            "x",
        ),
    ]
    return Section(
        "The gateway",
        " ".join((__doc__ or "").split()),
        figures + _polling(rounds, callers, poll_seconds, latency_ms),
    )


def _polling(rounds: int, callers: int, seconds: float, latency_ms: float) -> list[Figure]:
    upstream_per_lookup: list[float] = []
    refused_through_gateway: list[float] = []
    refused_direct: list[float] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as state, sandbox(POLLED_MESSAGES, latency_ms) as url:
            environment = {
                **os.environ,
                "XDG_STATE_HOME": state,
                "SMSC_ENDPOINT": f"{url}/sys/soap.php",
            }
            with _gateway(environment) as (base, _):
                lookups = _poll(callers, seconds, lambda s, i: _look_up(s, base, i))
                upstream = _count(url, REQUESTS_PATH)
                upstream_per_lookup.append(1000 * upstream / lookups)
                refused_through_gateway.append(100 * _count(url, REFUSALS_PATH) / upstream)
        with sandbox(POLLED_MESSAGES, latency_ms) as url:
            direct = _poll(callers, seconds, lambda s, i: _status_php(s, url, i))
            refused_direct.append(100 * _count(url, REFUSALS_PATH) / direct)
    load = f"{callers} callers polling {POLLED_MESSAGES} messages for {seconds:g} s"
    return [
        Figure(
            f"{load}: upstream requests per 1,000 caller lookups, through the gateway",
            Spread.of(upstream_per_lookup),
            "",
        ),
        Figure(
            f"{load}: requests refused with error 9, through the gateway",
            Spread.of(refused_through_gateway),
            "%",
            "0",
            max(refused_through_gateway) == 0,
        ),
        Figure(
            f"{load}: requests refused with error 9, straight at the service",
            Spread.of(refused_direct),
            "%",
        ),
    ]


def _per_process(ids: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``smsc-soap status`` process per message, in turn."""
    before = os.times()
    started = time.perf_counter()
    for message_id in ids:
        subprocess.run(
            [*COMMAND, "status", PHONE, message_id, "--insecure-http"],
            check=True,
            stdout=subprocess.DEVNULL,
            env=environment,
        )
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )


def _through_gateway(
    ids: list[str], session: requests.Session, base: str, pid: int
) -> tuple[float, float]:
    """Wall seconds of the lookups in turn through the gateway, and CPU seconds of the gateway
    and of this thread's requests to it (what a caller pays to ask, as a process is)."""
    gateway_before, caller_before = _cpu_of(pid), time.thread_time()
    started = time.perf_counter()
    for message_id in ids:
        _look_up(session, base, message_id)
    wall = time.perf_counter() - started
    return wall, (_cpu_of(pid) - gateway_before) + (time.thread_time() - caller_before)


def _look_up(session: requests.Session, base: str, message_id: str) -> None:
    reply = session.get(
        f"{base}/v1/status", params={"phone": PHONE, "id": message_id}, auth=AUTH, timeout=60
    )
    reply.raise_for_status()
    if "status" not in reply.json():
        raise RuntimeError(f"the gateway answered {reply.text!r}")


def _status_php(session: requests.Session, url: str, message_id: str) -> None:
    session.post(
        f"{url}/sys/status.php",
        data={"login": AUTH[0], "psw": AUTH[1], "phone": PHONE, "id": message_id, "fmt": 3},
        timeout=60,
    ).raise_for_status()


def _poll(callers: int, seconds: float, look_up: Callable[[requests.Session, str], None]) -> int:
    """Lookups made by ``callers`` threads, each going round the messages until time is up."""
    stop_at = time.monotonic() + seconds
    made = 0
    counting = threading.Lock()

    def poll(caller: int) -> None:
        nonlocal made
        with requests.Session() as session:
            turn = caller
            while time.monotonic() < stop_at:
                look_up(session, str(turn % POLLED_MESSAGES))
                turn += 1
                with counting:
                    made += 1

    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(poll, range(callers)))
    return made


def _count(url: str, path: str) -> int:
    answer = requests.get(url + path, timeout=10).json()
    return sum(answer.values()) if isinstance(answer, dict) else int(answer)


@contextmanager
def _gateway(environment: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``smsc-soap serve`` on a free port; yields its base URL and process id."""
    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--insecure-http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        if server.stdout is None:
            raise RuntimeError("the gateway's output is not piped")
        yield server.stdout.readline().strip(), server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu_of(pid: int) -> float:
    """CPU seconds (user and system) a running process has used so far; Linux's ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
