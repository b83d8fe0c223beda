"""The whole pushed path under polling: the sandbox pushing its status changes to the
gateway's receiver while 40 callers poll 100 messages for 30 s."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from smsc_soap.sandbox import SandboxOptions
from smsc_soap.sandbox.book import BookMessage, MessageBook
from smsc_soap.service.codes import StatusCode

from support.gateway_setup import CountingSandbox, start_gateway
from support.sandboxes import SandboxStarter

pytestmark = pytest.mark.slow

AUTH = ("demo", "demo")
SECONDS = 30.0
CALLERS = 40
# 100 messages with the operator, each delivered or expired at its moment within the 30 s.
BOOK = MessageBook(
    BookMessage(
        id=str(5000 + number),
        phone=f"7999100{number:04d}",
        status=StatusCode.TRANSFERRED,
        cost=Decimal("3.15"),
        then_status=StatusCode.EXPIRED if number % 3 == 0 else StatusCode.DELIVERED,
        then_after=2 + number * 26 // 100,
    )
    for number in range(100)
)
MESSAGES = [(message.phone, message.id) for message in BOOK]


class WallClock:
    """The gateway's statuses aged by the time of day, as in production."""

    monotonic = staticmethod(time.time)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_pushed_change_reaches_every_poller_within_1_s_and_ends_the_lookups(
    start_sandbox: SandboxStarter,
) -> None:
    port = _free_port()
    counted = CountingSandbox(
        SandboxOptions(callback_url=f"http://127.0.0.1:{port}/v1/callbacks/smsc/demo"), BOOK
    )
    counted.moment = time.time
    sandbox = start_sandbox(counted)
    with start_gateway(sandbox, WallClock(), port=port) as gateway:  # type: ignore[arg-type]
        learned: dict[str, tuple[float, int]] = {}
        listening = threading.Event()

        def follow() -> None:
            # When the gateway learned each change, from its own event stream.
            with requests.get(
                f"{gateway.url}/v1/events", auth=AUTH, stream=True, timeout=SECONDS + 10
            ) as stream:
                listening.set()
                for line in stream.iter_lines(decode_unicode=True):
                    if line.startswith("data: "):
                        data = json.loads(line[6:])
                        if data["status"] != 0 and data["id"] not in learned:
                            learned[data["id"]] = (time.time(), data["status"])
                    if len(learned) == len(MESSAGES):
                        return

        seen: dict[tuple[int, str], float] = {}

        def poll(caller: int) -> None:
            mine = MESSAGES[caller % 4 :: 4]  # each message watched by 10 callers
            body = {"messages": [{"phone": phone, "id": int(mid)} for phone, mid in mine]}
            session = requests.Session()
            while time.time() < until:
                reply = session.post(f"{gateway.url}/v1/statuses", json=body, auth=AUTH, timeout=30)
                now = time.time()
                for item in reply.json():
                    if item.get("status", 0) != 0:
                        seen.setdefault((caller, item["id"]), now)

        assert (
            requests.get(
                f"{gateway.url}/v1/status",
                params={"phone": MESSAGES[0][0], "id": MESSAGES[0][1]},
                auth=AUTH,
                timeout=10,
            ).status_code
            == 200
        )  # the credentials accepted, as a subscriber's must be
        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        listening.wait(10)
        until = time.time() + SECONDS
        with ThreadPoolExecutor(CALLERS) as callers:
            list(callers.map(poll, range(CALLERS)))
        follower.join(5)

    assert len(learned) == len(MESSAGES)
    late = {
        (caller, message_id): round(at - learned[message_id][0], 2)
        for (caller, message_id), at in seen.items()
        if at - learned[message_id][0] > 1.0
    }
    assert late == {}
    watched = Counter(message_id for _, message_id in seen)
    assert set(watched.values()) == {10}  # every poller saw every change
    after_push = {
        message_id: [round(at - learned[message_id][0], 2) for at in moments]
        for message_id, moments in counted.moments.items()
        if message_id in learned and any(at > learned[message_id][0] + 0.5 for at in moments)
    }
    assert after_push == {}
