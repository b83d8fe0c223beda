"""The long-lived receiver session against the sandbox's SMPP face: binds as a receiver,
hands receipts over and acknowledges them after, binds again after a drop on an injected
clock, keeps the session alive, and unbinds on stop."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from smsc_soap import InvalidParametersError, MessageStatus, ReceiptError
from smsc_soap.service.credentials import Credentials
from smsc_soap.smpp.receiver import Backoff, ReceiptReceiver

from support.manual_clock import ManualClock
from support.receipt_sandbox import Collected, eventually, moving, receipt_sandbox
from support.smpp_peer import (
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    RESPONSE,
    UNBIND,
    SmppPeer,
    deliver_sm,
    pdu,
)

DEMO = Credentials.of("demo", "demo")


class NoWaitClock(ManualClock):
    """A clock whose waits pass at once, on it only."""

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        self.advance(timeout)
        return False


def test_receipts_reach_the_callback_and_are_acknowledged_after_it() -> None:
    collected = Collected()
    with (
        receipt_sandbox(moving(3)) as sandbox,
        ReceiptReceiver("127.0.0.1", sandbox.port, DEMO, collected, clock=ManualClock()) as rx,
    ):
        eventually(lambda: rx.bound)
        sandbox.advance(30)
        eventually(lambda: sandbox.server.acknowledged == 3)

    assert collected.ids == ["1", "2", "3"]
    assert (sandbox.server.binds, rx.binds, sandbox.server.unbinds) == (1, 1, 1)


def test_a_dropped_session_is_bound_again_after_the_back_off_and_receipts_resume() -> None:
    collected = Collected()
    clock = ManualClock()
    with (
        receipt_sandbox(moving(2)) as sandbox,
        ReceiptReceiver("127.0.0.1", sandbox.port, DEMO, collected, clock=clock) as receiver,
    ):
        eventually(lambda: receiver.bound)
        sandbox.advance(10)
        eventually(lambda: collected.ids == ["1"])
        sandbox.server.drop_connections()
        eventually(lambda: receiver.binds == 2 and receiver.bound)
        sandbox.advance(10)
        eventually(lambda: collected.ids == ["1", "2"])

    assert list(receiver.delays) == [Backoff().first]  # waited on the clock given, not slept
    assert clock.sleeps == []


def test_binds_that_fail_back_off_doubling_up_to_the_cap() -> None:
    with receipt_sandbox([]) as sandbox:
        receiver = ReceiptReceiver(
            "127.0.0.1",
            sandbox.port,
            Credentials.of("demo", "wrong"),
            Collected(),
            backoff=Backoff(first=1, cap=8),
            clock=NoWaitClock(),
        ).start()
        try:
            eventually(lambda: len(receiver.delays) >= 6)
        finally:
            receiver.stop()

    assert list(receiver.delays)[:6] == [1, 2, 4, 8, 8, 8]
    assert receiver.binds == 0


def test_a_receipt_whose_callback_fails_is_not_acknowledged_and_comes_again() -> None:
    collected = Collected(fail_first={"1"})
    with (
        receipt_sandbox(moving(2)) as sandbox,
        ReceiptReceiver("127.0.0.1", sandbox.port, DEMO, collected, clock=ManualClock()) as rx,
    ):
        eventually(lambda: rx.bound)
        sandbox.advance(20)
        eventually(lambda: sandbox.server.acknowledged == 2)

    assert collected.ids == ["1", "1", "2"]  # the first, failed, came again on the next bind
    assert rx.binds == 2


@pytest.mark.slow  # real time: the server's idle timeout must pass, twice
def test_the_session_is_kept_alive_with_enquire_link_on_idle() -> None:
    with (
        receipt_sandbox([], idle_timeout=1.0) as sandbox,
        ReceiptReceiver(
            "127.0.0.1",
            sandbox.port,
            DEMO,
            Collected(),
            enquire_link_interval=0.3,
            clock=ManualClock(),
        ) as receiver,
    ):
        eventually(lambda: receiver.bound)
        threading.Event().wait(2.2)
        assert receiver.bound

    assert receiver.binds == 1


def test_stop_unbinds_and_binds_no_more() -> None:
    with receipt_sandbox([]) as sandbox:
        receiver = ReceiptReceiver("127.0.0.1", sandbox.port, DEMO, Collected()).start()
        eventually(lambda: receiver.bound)
        receiver.stop()
        eventually(lambda: sandbox.server.unbinds == 1)

        assert not receiver.bound
        assert receiver.binds == 1


def test_an_unreadable_receipt_is_acknowledged_and_reported() -> None:
    unreadable: list[ReceiptError] = []
    delivered: list[MessageStatus] = []
    with SmppPeer([deliver_sm(4, "id:1 stat:NOPE", {})]) as peer:
        receiver = ReceiptReceiver(
            "127.0.0.1",
            peer.port,
            DEMO,
            delivered.append,
            on_unreadable=unreadable.append,
            mode="transceiver",
            clock=ManualClock(),
        ).start()
        try:
            eventually(lambda: bool(peer.answers))
        finally:
            receiver.stop()

    assert peer.answers == [(DELIVER_SM_RESP, 0, 4)]
    assert [error.field for error in unreadable] == ["stat"]
    assert delivered == []


def test_bad_credentials_or_mode_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(InvalidParametersError, match="at most 8"):
        ReceiptReceiver("127.0.0.1", 1, Credentials.of("demo", "123456789"), Collected())
    with pytest.raises(InvalidParametersError, match="transmitter"):
        ReceiptReceiver("127.0.0.1", 1, DEMO, Collected(), mode="transmitter")


def test_the_password_shows_in_no_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsc_soap")
    secret = Credentials.of("demo", "s3cr3t!")
    with receipt_sandbox(moving(1)) as sandbox:
        receiver = ReceiptReceiver(
            "127.0.0.1", sandbox.port, secret, Collected(), clock=NoWaitClock()
        ).start()
        eventually(lambda: len(receiver.delays) >= 2)
        receiver.stop()

    assert "refused" in caplog.text
    assert "s3cr3t!" not in caplog.text + repr(receiver)


def test_the_servers_enquire_link_is_answered_and_its_unbind_ends_the_session() -> None:
    clock = ManualClock()
    with SmppPeer([pdu(ENQUIRE_LINK, 9), pdu(UNBIND, 10)]) as peer:
        receiver = ReceiptReceiver("127.0.0.1", peer.port, DEMO, Collected(), clock=clock)
        receiver.start()
        try:
            eventually(lambda: len(peer.answers) == 2)
            eventually(lambda: len(receiver.delays) >= 1)  # and it binds again
        finally:
            receiver.stop()

    assert peer.answers == [(ENQUIRE_LINK | RESPONSE, 0, 9), (UNBIND | RESPONSE, 0, 10)]
    assert peer.bound_as == "demo"


def test_stop_cuts_off_a_bind_that_waits_for_its_answer() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        receiver = ReceiptReceiver("127.0.0.1", port, DEMO, Collected(), timeout=30).start()
        connection, _ = silent.accept()
        with connection:
            connection.settimeout(5)
            assert connection.recv(16)  # the bind is under way
            began = time.monotonic()
            receiver.stop()
            stopped_in = time.monotonic() - began

    assert stopped_in < 2
    assert receiver.binds == 0
