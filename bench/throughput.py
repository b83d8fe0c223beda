"""Batch throughput against the sandbox with latency and the service's limits on.

``get_statuses`` over SOAP against raw zeep from a thread pool with no limiter, and against the
round trip of raw zeep one lookup at a time, measured in the same round. The most the limits
allow is (in-flight cap) / latency: 4 / 0.05 s = 80 lookups a second, before the sandbox's own
time per request. Each run has a fresh sandbox process, so each starts with fresh limits, and
the sandbox itself counts the error 9 replies it gives.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
import zeep

from smsc_soap import StatusClient
from smsc_soap.limits.service_limits import CONCURRENT_LIMIT

from .sandbox_server import PHONE, REFUSALS_PATH
from .stats import Figure, Section, Spread

ROOT = Path(__file__).resolve().parent.parent
WSDL = ROOT / "wsdl_cache" / "soap.wsdl"
SERVICE = "{http://smsc.ru/sys/soap.php}ServiceSoap"
POOL_THREADS = 16
IN_FLIGHT = CONCURRENT_LIMIT - 1  # the service refuses the fifth request at once

CLIENT = "get_statuses (SOAP, within the limits)"
POOL = f"raw zeep, {POOL_THREADS} threads, no limiter"
ONE_AT_A_TIME = "raw zeep, one lookup at a time"


@contextmanager
def sandbox(messages: int, latency_ms: float, status: int = 1) -> Iterator[str]:
    """A fresh sandbox process, its messages in ``status``; yields its base URL, and stops it
    afterwards."""
    server = subprocess.Popen(
        [
            sys.executable,
            *("-m", "bench.sandbox_server", str(messages), str(latency_ms), str(status)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the server's notes
        text=True,
        cwd=ROOT,
    )
    try:
        if server.stdout is None:
            raise RuntimeError("the sandbox's output is not piped")
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def with_client(url: str, ids: list[str]) -> Callable[[], object]:
    client = StatusClient("demo", "demo", endpoint=f"{url}/sys/soap.php", allow_insecure_http=True)
    return lambda: list(client.get_statuses((PHONE, message_id) for message_id in ids))


def _raw_service(url: str) -> zeep.proxy.ServiceProxy:
    return zeep.Client(str(WSDL)).create_service(SERVICE, f"{url}/sys/soap.php")


def with_zeep_pool(url: str, ids: list[str]) -> Callable[[], object]:
    service = _raw_service(url)

    def run() -> object:
        with ThreadPoolExecutor(max_workers=POOL_THREADS) as pool:
            return list(pool.map(lambda i: service.get_status("demo", "demo", PHONE, i, "0"), ids))

    return run


def with_zeep_loop(url: str, ids: list[str]) -> Callable[[], object]:
    service = _raw_service(url)
    return lambda: [service.get_status("demo", "demo", PHONE, i, "0") for i in ids]


def _run(
    build: Callable[[str, list[str]], Callable[[], object]], lookups: int, latency_ms: float
) -> tuple[float, int]:
    """Lookups a second, and the error 9 replies the sandbox counted."""
    ids = [str(n) for n in range(lookups)]
    with sandbox(lookups, latency_ms) as url:
        run = build(url, ids)
        started = time.perf_counter()
        run()
        rate = lookups / (time.perf_counter() - started)
        refused = requests.get(url + REFUSALS_PATH, timeout=10).json()
    return rate, sum(refused.values())


def measure(rounds: int, lookups: int, reference: int, latency_ms: float) -> Section:
    runs = {
        CLIENT: (with_client, lookups),
        POOL: (with_zeep_pool, lookups),
        ONE_AT_A_TIME: (with_zeep_loop, reference),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    refused: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        order = list(runs)
        random.shuffle(order)
        for name in order:
            build, count = runs[name]
            rate, errors = _run(build, count, latency_ms)
            rates[name].append(rate)
            refused[name].append(errors)
    ceiling = IN_FLIGHT / (latency_ms / 1000)
    client = rates[CLIENT]
    # One at a time, a lookup takes the whole round trip: the latency, the sandbox's own time
    # and the client's. Four of those at once is what the limits let a batch have.
    round_trip_ceiling = [IN_FLIGHT * rate for rate in rates[ONE_AT_A_TIME]]
    of_ceiling = Spread.of([rate / ceiling * 100 for rate in client])
    figures = [
        Figure(f"{CLIENT}: rate", Spread.of(client), "lookups/s"),
        Figure(
            f"{CLIENT}: share of the {ceiling:g}/s ceiling",
            of_ceiling,
            "%",
            "≥ 95%",
            of_ceiling.median >= 95,
        ),
        Figure(
            f"{CLIENT}: share of {IN_FLIGHT} x the round trip measured in the same round",
            Spread.of([c / r * 100 for c, r in zip(client, round_trip_ceiling, strict=True)]),
            "%",
        ),
        Figure(
            f"{CLIENT}: error 9 replies, counted by the sandbox",
            Spread.of(refused[CLIENT]),
            f"of {lookups:,}",
            "0",
            max(refused[CLIENT]) == 0,
        ),
        Figure(
            f"{ONE_AT_A_TIME}: round trip",
            Spread.of([1000 / rate for rate in rates[ONE_AT_A_TIME]]),
            "ms",
        ),
        Figure(f"{POOL}: rate", Spread.of(rates[POOL]), "lookups/s"),
        Figure(
            f"{POOL}: error 9 replies, counted by the sandbox",
            Spread.of(refused[POOL]),
            f"of {lookups:,}",
        ),
    ]
    method = f"""\
The sandbox in a process of its own with {latency_ms:g} ms latency and the service's limits
on, a fresh one for every run; a subclass of its `EnforcedLimits` counts each error 9 it gives,
and the benchmark reads the count from it after the run. A round runs, in a new random order,
`get_statuses` over SOAP on {lookups:,} distinct messages, raw zeep on the same messages from
{POOL_THREADS} threads with no limiter, and raw zeep one lookup at a time on {reference:,}
messages, whose rate gives the round trip; {rounds} rounds. Rates are wall time from the first
request to the last answer (clients built beforehand). The {ceiling:g}/s ceiling counts
{IN_FLIGHT} requests in flight and the latency alone; {IN_FLIGHT} x the round trip of the same
round adds the time the sandbox and a client take per request."""
    return Section("Batch throughput", method, figures)
