"""The sandbox's server: it idles without spinning, stops promptly, and closes idle
connections."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp

from support.sandboxes import assert_still_answers

MESSAGE = BookMessage(id="1", phone="79990000001", status=1)


def thread_cpu_seconds(threads: list[threading.Thread]) -> float:
    return sum(
        time.clock_gettime(time.pthread_getcpuclockid(thread.ident))  # type: ignore[arg-type]
        for thread in threads
        if thread.is_alive() and thread.ident is not None
    )


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(time, "pthread_getcpuclockid"), reason="no per-thread CPU clock")
def test_an_idle_sandbox_does_not_spin() -> None:
    before = set(threading.enumerate())
    running = Sandbox(SandboxApp(MessageBook([MESSAGE]))).start()
    port = int(running.url.rsplit(":", 1)[1])
    try:
        assert_still_answers(running, MESSAGE)
        # Idle, with a connection open: the loop has sockets to watch, and nothing to do.
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            # The sandbox's threads: not the client's watchdog, which lives for the process.
            threads = [
                thread
                for thread in threading.enumerate()
                if thread not in before and thread.name != "smsc-soap-watchdog"
            ]
            assert any(thread.name == "smsc-sandbox" for thread in threads)
            cpu_before, wall_before = thread_cpu_seconds(threads), time.monotonic()
            time.sleep(2)
            cpu = thread_cpu_seconds(threads) - cpu_before
            wall = time.monotonic() - wall_before
    finally:
        stopping = time.monotonic()
        running.stop()
        stopped_in = time.monotonic() - stopping

    assert cpu < 0.05 * wall, f"{cpu:.3f} s of CPU in {wall:.2f} s of idleness"
    # Well under the loop's wait: stop() wakes the loop rather than waiting for it.
    assert stopped_in < 0.5
    for thread in threads:
        thread.join(timeout=2)
    assert not any(thread.is_alive() for thread in threads)


def test_the_sandbox_stops_promptly_with_connections_open() -> None:
    running = Sandbox(SandboxApp(MessageBook([MESSAGE]))).start()
    port = int(running.url.rsplit(":", 1)[1])
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    partial = socket.create_connection(("127.0.0.1", port), timeout=5)
    partial.sendall(b"POST /sys/soap.php HTTP/1.1\r\nContent-Length: 500\r\n\r\n<e:Env")
    try:
        assert_still_answers(running, MESSAGE)
        stopping = time.monotonic()
        running.stop()
        assert time.monotonic() - stopping < 0.5
        assert partial.recv(100) == b""  # closed by the stop
    finally:
        idle.close()
        partial.close()


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.slow
def test_a_connection_that_sends_nothing_is_closed_after_the_channel_timeout() -> None:
    with Sandbox(SandboxApp(MessageBook([MESSAGE])), channel_timeout=1) as running:
        port = int(running.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as idle:
            opened = time.monotonic()
            assert idle.recv(100) == b""  # closed, without an answer
            assert 0.8 < time.monotonic() - opened < 6
        assert_still_answers(running, MESSAGE)


@pytest.mark.parametrize(
    "sent",
    [
        b"POST /sys/soap.php HTTP/1.1\r\nContent-Length: 500\r\n\r\n<e:",  # a body cut short
        b"POST /sys/soap.php HTTP/1.1\r\nContent-Le",  # headers cut short
    ],
    ids=["body", "headers"],
)
def test_a_request_not_in_within_the_read_deadline_is_answered_408_and_closed(
    sent: bytes,
) -> None:
    with Sandbox(SandboxApp(MessageBook([MESSAGE])), read_timeout=0.5) as running:
        port = int(running.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(sent)
            opened = time.monotonic()
            answer = read_all(slow)  # to the end: the connection is closed after it
            took = time.monotonic() - opened
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert 0.4 < took < 3
        assert_still_answers(running, MESSAGE)


@pytest.mark.slow
def test_a_body_trickled_in_is_cut_at_the_read_deadline() -> None:
    # A byte at a time keeps a connection busy, but not past the deadline for the whole body.
    with Sandbox(SandboxApp(MessageBook([MESSAGE])), read_timeout=1) as running:
        port = int(running.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(b"POST /sys/soap.php HTTP/1.1\r\nContent-Length: 500\r\n\r\n")
            opened = time.monotonic()
            answer = b""
            while time.monotonic() - opened < 5:
                try:
                    slow.sendall(b"<")
                except OSError:
                    break
                slow.settimeout(0.1)
                try:
                    answer += slow.recv(65536)
                except TimeoutError:
                    continue
                if answer:
                    break
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert time.monotonic() - opened < 3


def test_the_channel_timeout_is_short_by_default_and_at_least_a_second() -> None:
    app = SandboxApp(MessageBook([MESSAGE]))
    with Sandbox(app) as running:
        assert running.channel_timeout == 30
    with pytest.raises(ValueError, match="at least 1 second"):
        Sandbox(app, channel_timeout=0)


def test_the_command_line_takes_an_idle_timeout() -> None:
    refused = CliRunner().invoke(main, ["sandbox", "--idle-timeout", "0"])
    shown = CliRunner().invoke(main, ["sandbox", "--help"])

    assert refused.exit_code == 2
    assert "--idle-timeout" in shown.output
