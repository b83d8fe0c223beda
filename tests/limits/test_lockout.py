"""The lockout protects the IP without punishing a typo: a refused password is not sent
again, the right one goes at once, and a login's refused passwords stay under the service's
block threshold; counted at the sandbox."""

from __future__ import annotations

import pytest

from smsc_soap import AuthenticationError, FakeTransport, StatusClient
from smsc_soap.limits.lockout import REFUSED_BUDGET, holds_of
from smsc_soap.limits.stores import MemoryLimitStore
from smsc_soap.sandbox import Sandbox

from support.gateway_setup import DELIVERED, CountingSandbox
from support.manual_clock import ManualClock

PHONE, ID = DELIVERED


def client_of(sandbox: Sandbox, store: MemoryLimitStore, password: str) -> StatusClient:
    return StatusClient(
        "demo",
        password,
        endpoint=sandbox.soap_endpoint,
        allow_insecure_http=True,
        limits=store,
    )


def test_after_one_wrong_password_the_right_one_works_at_once(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    counted, sandbox = upstream
    store = MemoryLimitStore()
    with pytest.raises(AuthenticationError) as refused:
        client_of(sandbox, store, "typo").get_status(PHONE, ID)
    assert refused.value.from_service

    assert client_of(sandbox, store, "demo").get_status(PHONE, ID).is_delivered
    assert counted.errors[2] == 1


def test_ten_tries_of_one_wrong_password_reach_the_service_once(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    counted, sandbox = upstream
    store = MemoryLimitStore()
    with pytest.raises(AuthenticationError, match="SMSC error 2"):
        client_of(sandbox, store, "typo").get_status(PHONE, ID)
    for _ in range(9):
        with pytest.raises(AuthenticationError, match="refused this password of login demo"):
            client_of(sandbox, store, "typo").get_status(PHONE, ID)

    assert counted.errors[2] == 1
    assert counted.requests == 1


def test_five_different_wrong_passwords_reach_the_service_at_most_twice(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    counted, sandbox = upstream
    store = MemoryLimitStore()
    for n in range(5):
        with pytest.raises(AuthenticationError):
            client_of(sandbox, store, f"wrong-{n}").get_status(PHONE, ID)

    assert counted.errors[2] == REFUSED_BUDGET == 2
    with pytest.raises(AuthenticationError, match="refused 2 other passwords of login demo"):
        client_of(sandbox, store, "demo").get_status(PHONE, ID)  # not accepted before: held
    assert counted.requests == 2


def test_a_password_accepted_before_goes_whatever_others_were_refused(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    """One caller's wrong passwords (through a gateway, say) never hold another's good one."""
    counted, sandbox = upstream
    store = MemoryLimitStore()
    good = client_of(sandbox, store, "demo")
    assert good.get_status(PHONE, ID).is_delivered
    for n in range(3):
        with pytest.raises(AuthenticationError):
            client_of(sandbox, store, f"wrong-{n}").get_status(PHONE, ID)

    assert client_of(sandbox, store, "demo").get_status(PHONE, ID).is_delivered
    assert counted.errors[2] == 2


def test_the_holds_are_kept_per_host_and_end_with_the_cool_down(clock: ManualClock) -> None:
    store = MemoryLimitStore(clock=clock.monotonic)

    def client(host: str, password: str) -> StatusClient:
        fake = FakeTransport(login="demo", password="right", clock=clock)
        fake.add(PHONE, ID)
        fake.endpoint = f"https://{host}/sys/soap.php"  # type: ignore[attr-defined]
        return StatusClient("demo", password, transport=fake, clock=clock, limits=store)

    for n in range(2):
        with pytest.raises(AuthenticationError):
            client("smscentre.com", f"wrong-{n}").get_status(PHONE, ID)
    assert len(holds_of(store, "demo", "smscentre.com").refused) == 2

    assert client("smsc.ru", "right").get_status(PHONE, ID).is_delivered  # another host
    with pytest.raises(AuthenticationError, match="not tried for 30 min"):
        client("smscentre.com", "right").get_status(PHONE, ID)
    clock.advance(1800)
    assert client("smscentre.com", "right").get_status(PHONE, ID).is_delivered


def test_each_refused_password_ends_its_own_hold(clock: ManualClock) -> None:
    """The refusals of a login share one key; each still ends a cool-down after its own."""
    store = MemoryLimitStore(clock=clock.monotonic)
    fake = FakeTransport(login="demo", password="right", clock=clock)
    fake.add(PHONE, ID)

    def client(password: str) -> StatusClient:
        return StatusClient(
            "demo", password, transport=fake, clock=clock, limits=store, lockout_cooldown=600
        )

    with pytest.raises(AuthenticationError):
        client("first").get_status(PHONE, ID)
    clock.advance(300)
    with pytest.raises(AuthenticationError):
        client("second").get_status(PHONE, ID)
    assert sorted(left for _, left in holds_of(store, "demo", "smsc.ru").refused) == [300, 600]

    clock.advance(300)  # the first's hold is over, the second's is half way
    assert [left for _, left in holds_of(store, "demo", "smsc.ru").refused] == [300]
    with pytest.raises(AuthenticationError, match="SMSC error 2"):  # sent again: once
        client("first").get_status(PHONE, ID)
    with pytest.raises(AuthenticationError, match="5 min ago: it is not sent again for 5 min"):
        client("second").get_status(PHONE, ID)
