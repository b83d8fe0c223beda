"""Gateway replicas sharing one status store (and one limit store): a message polled through
all of them is asked about by one at a time, at most once every 12 s in all, and what one
learns the others serve."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from smsc_soap.gateway import Gateway
from smsc_soap.gateway.lookups import ASK_EVERY
from smsc_soap.limits.stores import open_limit_store
from smsc_soap.sandbox import Sandbox, default_book
from smsc_soap.service.codes import Outcome
from smsc_soap.statuses import MemoryStatusStore, StatusStore

from support.gateway_setup import CountingSandbox, serve_process, start_gateway
from support.manual_clock import ManualClock

AUTH = ("demo", "demo")
# Ten messages the gateway asks about again and again: none has failed.
MESSAGES = [
    (message.phone, message.id)
    for message in default_book()
    if message.status.outcome is not Outcome.FAILED and message.phone.isdigit()
][:10]


@pytest.fixture
def shared_statuses(clock: ManualClock) -> StatusStore:
    return MemoryStatusStore(clock=clock.monotonic)


@pytest.fixture
def replicas(
    upstream: tuple[CountingSandbox, Sandbox],
    clock: ManualClock,
    shared_statuses: StatusStore,
    tmp_path: Path,
) -> Iterator[list[Gateway]]:
    counted, sandbox = upstream
    counted.moment = clock.monotonic
    # Each replica its own store object on one file, as processes on one host have.
    limits = f"sqlite:///{tmp_path / 'limits.db'}"
    with ExitStack() as running:
        yield [
            running.enter_context(
                start_gateway(
                    sandbox,
                    clock,
                    store=open_limit_store(limits, clock=time.monotonic),
                    statuses=shared_statuses,
                )
            )
            for _ in range(2)
        ]


def _poll(gateway: Gateway, phone: str, message_id: str) -> int:
    reply = requests.get(
        f"{gateway.url}/v1/status", params={"phone": phone, "id": message_id}, auth=AUTH, timeout=30
    )
    return reply.status_code


@pytest.mark.slow
def test_replicas_on_one_store_ask_about_a_message_at_most_once_every_12_s_in_all(
    replicas: list[Gateway], upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock
) -> None:
    counted = upstream[0]
    assert len(MESSAGES) == 10
    polls = [
        (replicas[caller % 2], *MESSAGES[(caller + turn) % 10])
        for caller in range(20)
        for turn in range(3)
    ]
    codes: list[int] = []
    with ThreadPoolExecutor(20) as callers:
        for _ in range(8):  # 8 rounds, 4 s apart: 28 s in all
            codes += callers.map(lambda poll: _poll(*poll), polls)
            clock.advance(4)

    assert set(codes) == {200}
    for message_id, moments in counted.moments.items():
        gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
        assert all(gap >= ASK_EVERY for gap in gaps), (message_id, moments)
    # Each message asked at 0 s, 12 s and 24 s at most.
    assert sum(counted.asked.values()) <= 3 * len(MESSAGES)


def test_a_status_one_replica_learned_is_served_by_the_other(
    replicas: list[Gateway], upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    phone, message_id = MESSAGES[0]
    assert _poll(replicas[0], phone, message_id) == 200

    assert _poll(replicas[1], phone, message_id) == 200
    assert upstream[0].asked[message_id] == 1


def test_replicas_asked_at_once_about_one_message_ask_the_service_once(
    replicas: list[Gateway], upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    assert _poll(replicas[0], *MESSAGES[1]) == 200  # the credentials accepted
    phone, message_id = MESSAGES[0]
    start = threading.Barrier(10)

    def poll(index: int) -> int:
        start.wait()
        return _poll(replicas[index % 2], phone, message_id)

    with ThreadPoolExecutor(10) as callers:
        codes = list(callers.map(poll, range(10)))

    assert codes == [200] * 10
    assert upstream[0].asked[message_id] == 1


@pytest.mark.slow
def test_two_serve_processes_on_one_redis_ask_about_a_message_at_most_once_every_12_s(
    redis_url: str, upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    counted, sandbox = upstream
    shared = ("--limits", redis_url, "--statuses", redis_url)
    with (
        serve_process(sandbox.soap_endpoint, *shared) as (_, first),
        serve_process(sandbox.soap_endpoint, *shared) as (_, second),
    ):
        urls = [first, second]
        until = time.monotonic() + 26

        def poll(caller: int) -> set[int]:
            codes = set()
            session = requests.Session()
            turn = 0
            while time.monotonic() < until:
                phone, message_id = MESSAGES[(caller + turn) % 10]
                reply = session.get(
                    f"{urls[turn % 2]}/v1/status",
                    params={"phone": phone, "id": message_id},
                    auth=AUTH,
                    timeout=30,
                )
                codes.add(reply.status_code)
                turn += 1
            return codes

        with ThreadPoolExecutor(20) as callers:
            codes = set().union(*callers.map(poll, range(20)))

    assert codes == {200}
    for message_id, moments in counted.moments.items():
        gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
        assert all(gap >= ASK_EVERY - 0.1 for gap in gaps), (message_id, gaps)
        assert len(moments) <= 3  # at 0 s, 12 s and 24 s at most
