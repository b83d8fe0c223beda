"""The gateway over real sockets with the sandbox as the service, for the gateway's tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

from smsc_soap import Clock, RetryPolicy, StatusClient
from smsc_soap.gateway import Gateway, GatewayApp, Upstream
from smsc_soap.limits.stores import LimitStore, open_limit_store
from smsc_soap.sandbox import Sandbox, SandboxApp, SandboxOptions, default_book
from smsc_soap.sandbox.book import MessageBook
from smsc_soap.statuses import StatusStore

from support.manual_clock import ManualClock

PENDING = ("79990001003", "1003")  # status 0, with the operator: can still change
DELIVERED = ("79990001004", "1004")
UNDELIVERABLE = ("79990001008", "1008")  # status 20: final
HLR = ("79990001056", "1056")
WITH_REGION = ("79990001060", "1060")  # comment, operator and region filled in
UNKNOWN = ("79990000000", "999999")

_ERROR_CODES = re.compile(rb"<error>(\d+)</error>|<error_code>(\d+)</error_code>")


class CountingSandbox(SandboxApp):
    """The sandbox, counting the requests it answers and the error codes it gives (over SOAP,
    and over status.php with fmt=2, as the HTTP transport asks)."""

    def __init__(
        self, options: SandboxOptions | None = None, book: MessageBook | None = None
    ) -> None:
        super().__init__(book or default_book(), options)
        self.requests = 0
        self.errors: Counter[int] = Counter()
        self.asked: Counter[str] = Counter()
        """Lookups per message id, with the moments (``moments``) each was asked at."""
        self.moments: dict[str, list[float]] = {}
        self.moment: Callable[[], float] = time.monotonic
        self._count_lock = threading.Lock()

    def look_up(
        self, login: str, phone: str, message_id: str, order: tuple[str, ...], **options: Any
    ) -> Any:
        with self._count_lock:
            self.asked[message_id] += 1
            self.moments.setdefault(message_id, []).append(self.moment())
        return super().look_up(login, phone, message_id, order, **options)

    def __call__(
        self, environ: dict[str, object], start_response: Callable[..., object]
    ) -> Iterable[bytes]:
        body = b"".join(super().__call__(environ, start_response))
        with self._count_lock:
            self.requests += 1
            for soap, http in _ERROR_CODES.findall(body):
                self.errors[int(soap or http)] += 1
        return [body]


def start_gateway(
    sandbox: Sandbox,
    clock: Clock | None = None,
    *,
    transport: str = "soap",
    store: LimitStore | None = None,
    statuses: StatusStore | None = None,
    callback_secrets: dict[str, str] | None = None,
    port: int = 0,
    **client_options: Any,
) -> Gateway:
    """A gateway (not started) asking ``sandbox`` over ``transport``; its cache ages by
    ``clock``, its clients take ``client_options``."""
    endpoint = sandbox.soap_endpoint if transport == "soap" else sandbox.status_endpoint
    limits = store or open_limit_store("memory://", clock=time.monotonic)

    def make_client(login: str, password: str, **options: Any) -> StatusClient:
        return StatusClient(
            login,
            password,
            endpoint=endpoint,
            transport=transport,
            allow_insecure_http=True,
            **client_options,
            **options,
        )

    upstream = Upstream(limits, make_client)
    app = GatewayApp(
        upstream,
        statuses=statuses,
        callback_secrets=callback_secrets,
        clock=(clock or ManualClock()).monotonic,
    )
    return Gateway(app, port=port)


@contextmanager
def gateway_to_a_failing_service(fault: str | None, **client_options: Any) -> Iterator[Gateway]:
    """A started gateway whose service answers DELIVERED with ``fault`` (an error page), or
    without one in 300 ms, longer than clients given a short read timeout wait; no retries."""
    service = CountingSandbox(
        SandboxOptions(
            faults={DELIVERED[1]: fault} if fault else {},  # type: ignore[dict-item]
            latency_ms=0 if fault else 300,
        )
    )
    with (
        Sandbox(service) as sandbox,
        start_gateway(sandbox, retry=RetryPolicy.disabled(), **client_options) as gateway,
    ):
        yield gateway


@contextmanager
def serve_process(endpoint: str, *options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``smsc-soap serve`` in a process of its own, asking ``endpoint``, with ``options``
    (its limits in memory unless they say otherwise): the process and its base URL. Killed
    at the end if it is still running."""
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "smsc_soap", "serve", "--port", "0"),
            *("--endpoint", endpoint, "--insecure-http", "--limits", "memory://"),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SMSC_LOGIN": "", "SMSC_PASSWORD": ""},
    )
    try:
        assert process.stdout is not None
        yield process, process.stdout.readline().decode().strip()
    finally:
        process.kill()
        process.wait(timeout=10)


def wait_until_in_flight(url: str, count: int) -> None:
    """Until the gateway at ``url`` answers ``count`` requests at once."""
    metrics = ""
    for _ in range(300):
        # The gauge counts the metrics request itself too.
        metrics = requests.get(f"{url}/metrics", timeout=10).text
        if f"smsc_gateway_in_flight {count + 1}.0" in metrics:
            return
        time.sleep(0.01)
    raise AssertionError(f"the requests never were in flight: {metrics}")
