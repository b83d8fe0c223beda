"""Batch throughput against the sandbox with 50 ms latency and the service's limits on.

get_statuses over SOAP, against a plain loop over raw zeep and raw zeep from a thread pool
with no limiter. The most the limits allow is (in-flight cap) / latency: 4 / 0.05 s = 80
lookups a second. The sandbox runs in a process of its own, restarted for every run so that
each starts with fresh limits.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import zeep

from smsc_soap import RateLimitError, StatusClient
from smsc_soap.sandbox import BookMessage, MessageBook
from smsc_soap.service_limits import CONCURRENT_LIMIT

from .stats import Figure, Spread

PHONE = "79990000001"
POOL_THREADS = 16


@contextmanager
def sandbox(book: Path, latency_ms: float) -> Iterator[str]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smsc_soap.cli",
            "sandbox",
            "--book",
            str(book),
            "--latency",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        if server.stdout is None:
            raise RuntimeError("the sandbox's output is not piped")
        yield server.stdout.readline().strip() + "/sys/soap.php"
    finally:
        server.terminate()
        server.wait(timeout=10)


def with_client(endpoint: str, ids: list[str]) -> int:
    client = StatusClient("demo", "demo", endpoint=endpoint, allow_insecure_http=True)
    refs = ((PHONE, message_id) for message_id in ids)
    return sum(isinstance(r.error, RateLimitError) for r in client.get_statuses(refs))


def _raw_service(endpoint: str) -> zeep.proxy.ServiceProxy:
    return zeep.Client(f"{endpoint}?wsdl").service


def with_zeep_loop(endpoint: str, ids: list[str]) -> int:
    service = _raw_service(endpoint)
    replies = [service.get_status("demo", "demo", PHONE, message_id, "0") for message_id in ids]
    return sum(reply.error == "9" for reply in replies)


def with_zeep_pool(endpoint: str, ids: list[str]) -> int:
    service = _raw_service(endpoint)
    with ThreadPoolExecutor(max_workers=POOL_THREADS) as pool:
        replies = list(
            pool.map(
                lambda message_id: service.get_status("demo", "demo", PHONE, message_id, "0"), ids
            )
        )
    return sum(reply.error == "9" for reply in replies)


APPROACHES: dict[str, Callable[[str, list[str]], int]] = {
    "get_statuses (SOAP, within the limits)": with_client,
    "raw zeep, a plain loop": with_zeep_loop,
    f"raw zeep, {POOL_THREADS} threads, no limiter": with_zeep_pool,
}


def measure(rounds: int, lookups: int, latency_ms: float) -> list[Figure]:
    ceiling = (CONCURRENT_LIMIT - 1) / (latency_ms / 1000)
    ids = [str(n) for n in range(lookups)]
    book = MessageBook(BookMessage(id=message_id, phone=PHONE, status=1) for message_id in ids)
    figures: list[Figure] = []
    rates_of: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        book_file = Path(directory) / "book.csv"
        book_file.write_text(book.to_csv(), encoding="utf-8")
        for name, run in APPROACHES.items():
            rates: list[float] = []
            refused: list[float] = []
            # The plain loop is slow by nature; one round of it shows its rate.
            for _ in range(1 if run is with_zeep_loop else rounds):
                with sandbox(book_file, latency_ms) as endpoint:
                    started = time.perf_counter()
                    refused.append(run(endpoint, ids))
                    rates.append(lookups / (time.perf_counter() - started))
            rates_of[name] = rates
            share = Spread.of([rate / ceiling * 100 for rate in rates])
            is_client = run is with_client
            figures += [
                Figure(f"{name}: rate", Spread.of(rates), "lookups/s"),
                Figure(
                    f"{name}: share of the {ceiling:g}/s ceiling",
                    share,
                    "%",
                    "≥ 95%" if is_client else "",
                    share.median >= 95 if is_client else None,
                ),
                Figure(
                    f"{name}: error 9 replies",
                    Spread.of(refused),
                    "of " + str(lookups),
                    "0" if is_client else "",
                    max(refused) == 0 if is_client else None,
                ),
            ]
    # The sandbox takes a few milliseconds of its own per request on top of the latency; the
    # plain loop measures the whole round trip, and 4 of those at once is what can be had.
    [client_name, loop_name, _] = APPROACHES
    round_trip_ceiling = (CONCURRENT_LIMIT - 1) * rates_of[loop_name][0]
    figures.insert(
        2,
        Figure(
            f"{client_name}: share of 4 x the measured round trip ({round_trip_ceiling:.1f}/s)",
            Spread.of([rate / round_trip_ceiling * 100 for rate in rates_of[client_name]]),
            "%",
        ),
    )
    return figures
