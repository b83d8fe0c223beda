"""The watchdog: a read blocked on a watched socket returns at the deadline, and only then."""

from __future__ import annotations

import multiprocessing
import socket
import time
from collections.abc import Iterator

import pytest

from smsc_soap.wire.watchdog import _WATCHDOG, Watch, watching


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    with left, right:
        yield left, right


def test_a_blocked_read_returns_when_the_deadline_passes(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    reader, _ = pair
    reader.settimeout(5)
    started = time.monotonic()
    with watching(started + 0.2) as watch:
        watch.add_socket(reader)
        assert reader.recv(1) == b""  # shut: the end of the stream, not the 5 s timeout

    assert watch.fired
    assert 0.2 <= time.monotonic() - started < 1.0


def test_a_watch_left_before_its_deadline_shuts_nothing(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    reader, writer = pair
    with watching(time.monotonic() + 0.05) as watch:
        watch.add_socket(reader)
    reader.settimeout(0.3)

    with pytest.raises(TimeoutError):
        reader.recv(1)  # still open past the deadline: the pool may reuse it
    writer.sendall(b"x")
    assert reader.recv(1) == b"x"
    assert not watch.fired


def test_a_socket_added_after_the_deadline_is_shut_at_once(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    reader, _ = pair
    watch = Watch(deadline=0.0)
    watch.fire()
    watch.add_socket(reader)
    reader.settimeout(5)

    assert reader.recv(1) == b""


def test_a_duplicate_is_closed_with_the_watch_and_the_socket_stays_open(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    reader, writer = pair
    with watching(time.monotonic() + 5) as watch:
        watch.add_duplicate(reader)
        duplicate = watch._owned[0]

    assert duplicate.fileno() == -1
    writer.sendall(b"x")
    assert reader.recv(1) == b"x"


def _watch_in_a_child(deadline_in: float) -> None:
    left, _right = socket.socketpair()  # the other end kept open: no data, no end
    left.settimeout(5)
    with watching(time.monotonic() + deadline_in) as watch:
        watch.add_socket(left)
        data = left.recv(1)
    raise SystemExit(0 if data == b"" and watch.fired else 1)


def test_a_forked_child_has_a_watchdog_of_its_own(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    reader, _ = pair
    with watching(time.monotonic() + 0.05) as watch:  # the parent's watchdog runs
        watch.add_socket(reader)
        reader.recv(1)
    # Forked while the watchdog holds its lock, as it does while it fires a watch.
    with _WATCHDOG._condition:
        child = multiprocessing.get_context("fork").Process(target=_watch_in_a_child, args=(0.1,))
        child.start()
    child.join(timeout=10)
    if child.exitcode is None:
        child.kill()

    assert child.exitcode == 0
