"""Through the gateway, one caller's wrong password holds back only that password: the right
one works at once, and callers whose credentials the service accepted are never held."""

from __future__ import annotations

import requests

from smsc_soap.gateway import Gateway
from smsc_soap.sandbox import Sandbox

from support.gateway_setup import DELIVERED, PENDING, CountingSandbox


def status(gateway: Gateway, password: str, message: tuple[str, str] = DELIVERED) -> int:
    reply = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": message[0], "id": message[1]},
        auth=("demo", password),
        timeout=30,
    )
    return reply.status_code


def test_after_a_callers_typo_the_right_password_works_at_once(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    for _ in range(10):
        assert status(gateway, "typo") == 401

    assert status(gateway, "demo") == 200
    assert upstream[0].errors[2] == 1


def test_wrong_passwords_of_one_caller_never_hold_an_accepted_one(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    assert status(gateway, "demo") == 200
    for n in range(5):
        assert status(gateway, f"wrong-{n}") == 401

    assert status(gateway, "demo", PENDING) == 200
    assert upstream[0].errors[2] == 2  # five wrong passwords, two tries at the service
