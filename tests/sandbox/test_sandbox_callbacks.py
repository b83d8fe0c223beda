"""The sandbox's status handler: each status change of its book POSTed to a real receiver on
127.0.0.1, signed, read by ``smsc_soap.callbacks`` into the status a lookup of the same
message returns; retried with back-off, never in the way of lookups, stopped with the
sandbox; and ``smsc-soap sandbox --callback-url``."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from smsc_soap import (
    MOSCOW_TIME,
    InstantClock,
    MessageStatus,
    RetryPolicy,
    StatusCallback,
    StatusClient,
    StatusCode,
    SystemClock,
    callbacks,
)
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions
from smsc_soap.sandbox.book import default_book, status_changes
from smsc_soap.sandbox.callback_pusher import ATTEMPTS

from support.callback_receiver import CallbackReceiver, Received
from support.manual_clock import ManualClock

SECRET = "handler-secret"
CARRIED = {
    "message_id",
    "phone",
    "status",
    "err",
    "last_date",
    "cost",
    "message_type",
    "sms_cnt",
    "flag",
    "hlr",
}
"""The fields of a ``MessageStatus`` a status callback carries: all of them match a lookup
with ``all=1`` over status.php (which writes ``flag`` and ``type``); ``status``, ``err``,
``last_date`` and the HLR fields match one with ``all=0`` too."""
AT_ALL_0 = {"message_id", "phone", "status", "err", "last_date", "hlr"}


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver().running() as running:
        yield running


def client_of(sandbox: Sandbox, transport: str) -> StatusClient:
    endpoint = sandbox.status_endpoint if transport == "http" else sandbox.soap_endpoint
    return StatusClient(
        "demo",
        "demo",
        transport=transport,  # type: ignore[arg-type]
        endpoint=endpoint,
        allow_insecure_http=True,
        retry=RetryPolicy.disabled(),
        timeout=10,
    )


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for the pusher's thread to get there: it counts once the receiver has answered."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.01)


def read(received: Received) -> MessageStatus:
    callbacks.verify(received.form, SECRET)
    callback = callbacks.parse(received.form)
    assert isinstance(callback, StatusCallback)
    return callback.status


def assert_as_looked_up(pushed: list[Received], sandbox: Sandbox) -> int:
    """Each pushed status is the status a lookup of its message returns now; the count."""
    with client_of(sandbox, "http") as http, client_of(sandbox, "soap") as soap:
        for received in pushed:
            status = read(received)
            full = http.get_status(status.phone, status.message_id, all=1)
            brief = soap.get_status(status.phone, status.message_id, all=0)
            assert status.model_dump(include=CARRIED) == full.model_dump(include=CARRIED)
            assert status.model_dump(include=AT_ALL_0) == brief.model_dump(include=AT_ALL_0)
            assert status.outcome is full.outcome
    return len(pushed)


def test_every_status_of_the_default_book_is_pushed_as_a_lookup_reads_it(
    receiver: CallbackReceiver,
) -> None:
    book = default_book()
    clock = ManualClock()
    options = SandboxOptions(
        callback_url=receiver.url,
        callback_secret=SECRET,
        callback_current=True,
        enforce_limits=False,
    )
    moving = [message for message in book if message.then_status is not None]
    with Sandbox(SandboxApp(book, options, clock=clock.monotonic)) as sandbox:
        at_start = receiver.wait_for(len(book))
        assert assert_as_looked_up(at_start, sandbox) == len(book)
        assert {read(received).message_id for received in at_start} == {m.id for m in book}
        statuses = {read(received).status for received in at_start}
        assert statuses == set(StatusCode) - {StatusCode.NOT_FOUND}

        # The changes that come due later, each when it does, and only then.
        clock.advance(max(message.then_after or 0 for message in moving))
        later = receiver.wait_for(len(book) + len(moving))[len(book) :]
        assert len(later) == len(moving)
        assert assert_as_looked_up(later, sandbox) == len(moving)
        assert {(read(r).message_id, read(r).status) for r in later} == {
            (m.id, m.then_status) for m in moving
        }
        pusher = sandbox.callbacks
        assert pusher is not None
        eventually(lambda: pusher.pushed == len(book) + len(moving))
        assert pusher.dropped == 0


@pytest.mark.slow
def test_a_change_is_pushed_when_it_comes_due_and_not_before(receiver: CallbackReceiver) -> None:
    message = BookMessage(id="7", phone="79991234567", status=0, then_status=1, then_after=30)
    clock = ManualClock()
    options = SandboxOptions(callback_url=receiver.url)
    with Sandbox(SandboxApp(MessageBook([message]), options, clock=clock.monotonic)) as sandbox:
        clock.advance(29)
        assert receiver.wait_for(1, timeout=0.3) == []
        clock.advance(1)
        (received,) = receiver.wait_for(1)
        pusher = sandbox.callbacks
        assert pusher is not None
        eventually(lambda: pusher.pending == 0)

    assert received.method == "POST"
    assert "md5" not in received.form  # no secret, no signature
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    status = callbacks.parse(received.form)
    assert isinstance(status, StatusCallback)
    assert status.status.status is StatusCode.DELIVERED
    changed = sandbox.app.started + timedelta(seconds=30)
    assert status.status.last_date == changed.replace(microsecond=0)


def test_a_failing_receiver_is_tried_again_after_a_doubling_back_off() -> None:
    answers = iter([500, 503])
    clock = InstantClock(grace=0)
    message = BookMessage(id="7", phone="79991234567", status=1)
    with CallbackReceiver(lambda _: next(answers, 200)).running() as receiver:
        options = SandboxOptions(callback_url=receiver.url, callback_current=True)
        with Sandbox(SandboxApp(MessageBook([message]), options), callback_clock=clock) as sandbox:
            received = receiver.wait_for(3)
            pusher = sandbox.callbacks
            assert pusher is not None
            eventually(lambda: pusher.pushed == 1)
            assert pusher.attempts == 3

    assert [r.form for r in received] == [received[0].form] * 3  # the same change, thrice
    assert clock.waits == [0.5, 1.0]


def test_a_change_no_receiver_takes_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = InstantClock(grace=0)
    message = BookMessage(id="7", phone="79991234567", status=1)
    with CallbackReceiver().running() as receiver:
        gone = receiver.url  # a port nothing listens on once the receiver has stopped
    options = SandboxOptions(
        callback_url=gone, callback_secret=SECRET, callback_current=True, enforce_limits=False
    )
    with (
        caplog.at_level(logging.INFO, logger="smsc_soap.sandbox.callbacks"),
        Sandbox(SandboxApp(MessageBook([message]), options), callback_clock=clock) as sandbox,
    ):
        pusher = sandbox.callbacks
        assert pusher is not None
        eventually(lambda: pusher.dropped == 1)
        assert pusher.attempts == ATTEMPTS

    assert clock.waits == [0.5, 1.0, 2.0, 4.0]
    records = [r for r in caplog.records if r.name == "smsc_soap.sandbox.callbacks"]
    assert [r.levelname for r in records] == ["INFO"] * (ATTEMPTS - 1) + ["WARNING"]
    assert "dropped" in records[-1].getMessage()
    for record in records:  # neither the secret, the address nor a signature
        text = record.getMessage()
        assert SECRET not in text
        assert gone.split("//")[1] not in text


class WatchedClock(SystemClock):
    """The real clock, counting the waits begun: a test knows the pusher is backing off."""

    def __init__(self) -> None:
        self.waits = 0

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        self.waits += 1
        return super().wait(condition, timeout)


@pytest.mark.slow
def test_the_sandbox_stops_at_once_while_backing_off() -> None:
    failing = BookMessage(id="7", phone="79991234567", status=1)
    later = BookMessage(id="8", phone="79991234567", status=0, then_status=1, then_after=3600)
    clock = WatchedClock()
    with CallbackReceiver(lambda _: 500).running() as receiver:
        options = SandboxOptions(callback_url=receiver.url, callback_current=True)
        sandbox = Sandbox(SandboxApp(MessageBook([failing, later]), options), callback_clock=clock)
        pusher = sandbox.callbacks
        assert pusher is not None
        sandbox.start()
        eventually(lambda: clock.waits == 2)  # the second back-off, of a second, has begun
        began = time.monotonic()
        pusher.close()
        took = time.monotonic() - began
        sandbox.stop()
        assert not any(t.name == "smsc-sandbox-callbacks" for t in threading.enumerate())
    assert took < 0.5
    # The one it was trying, and both of the later message's: none was pushed.
    assert (pusher.pushed, pusher.dropped, pusher.pending) == (0, 0, 3)
    assert len(receiver.received) == 2  # no attempt after the stop


def test_lookups_are_answered_while_a_receiver_holds_a_callback() -> None:
    holding, release = threading.Event(), threading.Event()
    message = BookMessage(id="7", phone="79991234567", status=1)

    def hold(_: Received) -> int:
        holding.set()
        release.wait(10)
        return 200

    with CallbackReceiver(hold).running() as receiver:
        options = SandboxOptions(callback_url=receiver.url, callback_current=True)
        with Sandbox(SandboxApp(MessageBook([message]), options)) as sandbox:
            assert holding.wait(10)
            began = time.monotonic()
            with client_of(sandbox, "http") as client:
                status = client.get_status(message.phone, message.id)
            assert time.monotonic() - began < 2
            assert status.status is StatusCode.DELIVERED
            release.set()
            receiver.wait_for(1)


def test_a_callback_url_that_is_no_address_is_refused_before_serving() -> None:
    for url in ("ftp://127.0.0.1/x", "127.0.0.1:9000", "http://"):
        options = SandboxOptions(callback_url=url)
        with pytest.raises(ValueError, match="callback URL"):
            Sandbox(SandboxApp(MessageBook([]), options))


def test_the_secret_is_not_in_the_options_repr() -> None:
    assert SECRET not in repr(SandboxOptions(callback_url="http://x", callback_secret=SECRET))


def test_the_changes_at_start_come_once_and_first() -> None:
    started = default_book()
    moved_at_once = BookMessage(id="9", phone="79991234567", status=0, then_status=1, then_after=0)
    messages = [*started, moved_at_once]
    now = datetime.now(MOSCOW_TIME)
    only_changes = status_changes(messages, now)
    with_current = status_changes(messages, now, current=True)

    # The SMPP receipts' changes: then_status coming due, the one due at start included.
    first = only_changes[0]
    assert (first.message.id, first.status) == ("9", 1)
    assert len(only_changes) == 4
    # With the current statuses: one per message (the one moved at start as moved), then
    # the three still to come.
    assert len(with_current) == len(messages) + 3
    assert [c.at <= now for c in with_current] == [True] * len(messages) + [False] * 3
    assert [c.status for c in with_current if c.message.id == "9"] == [1]


@pytest.mark.slow
def test_the_sandbox_command_pushes_signed_callbacks(receiver: CallbackReceiver) -> None:
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "smsc_soap", "sandbox", "--port", "0"),
            *("--callback-url", receiver.url, "--callback-current"),
        ],
        env={"SMSC_SANDBOX_CALLBACK_SECRET": SECRET, "PATH": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        said = server.stderr.readline()
        assert "status changes POSTed (signed)" in said
        assert receiver.url not in said
        assert SECRET not in said
        pushed = receiver.wait_for(len(default_book()))
        assert len(pushed) == len(default_book())
        assert all(read(received) for received in pushed)
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 130


@pytest.mark.parametrize(
    "arguments",
    [
        ["--callback-url", "ftp://127.0.0.1/x"],
        ["--callback-secret", SECRET],
        ["--callback-current"],
        ["--callback-url", "http://127.0.0.1:9/x", "--callback-secret", ""],
    ],
)
def test_the_sandbox_command_refuses_callback_options_it_cannot_use(arguments: list[str]) -> None:
    from click.testing import CliRunner

    from smsc_soap.cli import main

    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *arguments])
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
