"""The gateway's metric of limiter waits: how long lookups waited for a place within the
service's limits."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from smsc_soap.gateway.limit_waits import LimitWaits
from smsc_soap.limits.stores import Ask, Granted, Refused
from smsc_soap.sandbox import Sandbox, SandboxOptions

from support.gateway_setup import UNDELIVERABLE, CountingSandbox, start_gateway
from support.manual_clock import ManualClock

_ASK = Ask(scope="s", bucket="message:7:1", allowed=5, window=61, in_flight=4, lease_for=30)


class _Answers:
    """The part of a limit store these tests reach: ``acquire``, answered from a script."""

    def __init__(self, *answers: Granted | Refused) -> None:
        self._answers = list(answers)

    def acquire(self, ask: Ask) -> Granted | Refused:
        return self._answers.pop(0)


def _watched(clock: ManualClock, *answers: Granted | Refused) -> tuple[LimitWaits, list[float]]:
    waits = LimitWaits(_Answers(*answers), clock=clock.monotonic)  # type: ignore[arg-type]
    seen: list[float] = []
    waits.subscribe(seen.append)
    return waits, seen


def test_a_wait_runs_from_the_first_refusal_to_the_grant() -> None:
    clock = ManualClock()
    refused = Refused("in_flight", 0.5)
    waits, seen = _watched(clock, Granted("a"), refused, refused, Granted("b"))
    with waits.watching():
        waits.acquire(_ASK)
        waits.acquire(_ASK)
        clock.advance(0.5)
        waits.acquire(_ASK)
        clock.advance(0.25)
        waits.acquire(_ASK)
    assert seen == [0.0, 0.75]


def test_a_wait_given_up_on_is_not_counted_into_the_next() -> None:
    clock = ManualClock()
    waits, seen = _watched(clock, Refused("window", 50), Granted("a"))
    with waits.watching():
        waits.acquire(_ASK)  # the limiter refuses the call here: its deadline is too near
    clock.advance(60)
    with waits.watching():
        waits.acquire(_ASK)
    assert seen == [0.0]


def test_places_taken_outside_a_lookup_are_not_reported() -> None:
    waits, seen = _watched(ManualClock(), Granted("a"))
    waits.acquire(_ASK)
    assert seen == []


@pytest.mark.slow
def test_the_metric_shows_lookups_that_waited_for_a_place_in_flight() -> None:
    # Four requests of a login may be in flight at once: with six at once, two wait.
    service = CountingSandbox(SandboxOptions(latency_ms=300))
    messages = [(f"7999000{n}", str(n)) for n in range(1001, 1007)]
    with Sandbox(service) as sandbox, start_gateway(sandbox) as gateway:
        requests.get(  # the login proven first, so that lookups of it may go at once
            f"{gateway.url}/v1/status",
            params=dict(zip(("phone", "id"), UNDELIVERABLE, strict=True)),
            auth=("demo", "demo"),
            timeout=30,
        )
        with ThreadPoolExecutor(len(messages)) as pool:
            list(
                pool.map(
                    lambda message: requests.get(
                        f"{gateway.url}/v1/status",
                        params={"phone": message[0], "id": message[1]},
                        auth=("demo", "demo"),
                        timeout=30,
                    ),
                    messages,
                )
            )
        metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    count = _sample(metrics, "smsc_gateway_limiter_wait_seconds_count")
    not_waited = _sample(metrics, 'smsc_gateway_limiter_wait_seconds_bucket{le="0.0"}')
    assert count == 1 + len(messages)
    assert not_waited <= count - 2
    assert _sample(metrics, "smsc_gateway_limiter_wait_seconds_sum") >= 0.2


def _sample(metrics: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    assert found is not None, metrics
    return float(found.group(1))
