"""The gateway's clients, one per caller's login and password: how many it keeps."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from smsc_soap import FakeTransport, StatusClient
from smsc_soap.gateway import Upstream
from smsc_soap.limits.stores import open_limit_store

from support.manual_clock import ManualClock


class _Made:
    """Makes the clients, each on a fake service, and tells which were closed."""

    def __init__(self) -> None:
        self.clients: list[StatusClient] = []
        self.closed: list[StatusClient] = []

    def __call__(self, login: str, password: str, **options: Any) -> StatusClient:
        made = self

        class _Told(StatusClient):
            def close(self) -> None:
                made.closed.append(self)
                super().close()

        client = _Told(login, password, transport=FakeTransport(clock=ManualClock()), **options)
        self.clients.append(client)
        return client


def _upstream(made: _Made, max_clients: int) -> Upstream:
    store = open_limit_store("memory://", clock=ManualClock().monotonic)
    return Upstream(store, made, max_clients=max_clients)


def test_many_pairs_leave_at_most_the_bound_of_clients_and_those_let_go_are_closed() -> None:
    made = _Made()
    upstream = _upstream(made, max_clients=3)
    for n in range(10):
        with upstream.client("demo", f"wrong-{n}"):
            pass
    assert (len(made.clients), len(upstream)) == (10, 3)
    assert made.closed == made.clients[:7]


def test_a_pair_used_again_is_kept_over_one_unused() -> None:
    made = _Made()
    upstream = _upstream(made, max_clients=2)
    for password in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" comes
        with upstream.client("demo", password):
            pass
    assert made.closed == [made.clients[1]]


def test_a_client_let_go_while_in_use_is_closed_when_its_lookup_is_done() -> None:
    made = _Made()
    upstream = _upstream(made, max_clients=1)
    with upstream.client("demo", "first") as first:
        with upstream.client("demo", "second"):
            assert made.closed == []
        assert made.closed == []
    assert made.closed == [first]


def test_a_pairs_client_is_made_once_and_other_pairs_do_not_wait_for_it() -> None:
    made = _Made()
    making = threading.Event()
    finish = threading.Event()

    def make(login: str, password: str, **options: Any) -> StatusClient:
        if password == "slow":
            making.set()
            assert finish.wait(10)
        return made(login, password, **options)

    upstream = Upstream(open_limit_store("memory://", clock=ManualClock().monotonic), make)

    def look_up(password: str) -> StatusClient:
        with upstream.client("demo", password) as client:
            return client

    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(look_up, "slow")
        assert making.wait(10)
        second = pool.submit(look_up, "slow")  # while the first is being made
        other = pool.submit(look_up, "fast")
        other.result(timeout=10)  # not held up by the slow pair's making
        finish.set()
        assert first.result(timeout=10) is second.result(timeout=10)
    assert len(made.clients) == 2  # one for each pair
    assert len(upstream) == 2
    assert made.closed == []
