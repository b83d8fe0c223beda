"""One bound SMPP session, shared by threads: each request gets the response of its own
sequence number.

smpplib's client reads and writes on the caller's thread and matches nothing, so it cannot be
shared. Here a reader thread owns the socket's reading: it hands each response to the request
waiting for its sequence number, answers the server's enquire_link and unbind, and sends an
enquire_link after ``keepalive`` seconds of quiet. Writes go out whole, one at a time. When the
connection breaks, every waiting request gets the error, and the session stays failed: the
transport binds a new one for the next lookup. Requests the server sends (a receiver's
DELIVER_SM) go to the session's ``on_request``, whose answer the reader sends. PDUs are built
and read with smpplib, by the thread whose request they are, so a malformed answer is its
caller's error alone.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Callable

from smsc_soap.errors import (
    ConnectionFailedError,
    MalformedResponseError,
    RequestTimeoutError,
    SmscError,
)
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.smpp.protocol import (
    ENQUIRE_LINK,
    ESME_RINVBNDSTS,
    GENERIC_NACK,
    HEADER,
    RESPONSE_BIT,
    UNBIND,
    header_of,
    pdu,
)

__all__ = ["PduBuilder", "RequestHandler", "SmppSession", "read_frame"]

logger = logging.getLogger("smsc_soap.transports.smpp")

PduBuilder = Callable[[int], bytes]
"""A request's bytes for the sequence number it is given."""

RequestHandler = Callable[[bytes], bytes]
"""Given a request the server sent (other than enquire_link and unbind), the answer to send
back; an ``SmscError`` raised ends the session with the request unanswered."""

_MAX_SEQUENCE = 0x7FFFFFFF
_UNBIND_WAIT = 2.0  # seconds close() waits for unbind_resp


def read_frame(connection: socket.socket, max_bytes: int) -> bytes:
    """One whole PDU from ``connection``; b"" if it was closed between PDUs."""
    head = _read_exactly(connection, HEADER.size, at_start=True)
    if not head:
        return b""
    length = HEADER.unpack(head)[0]
    if not HEADER.size <= length <= max_bytes:
        raise MalformedResponseError(
            f"the SMPP server sent a PDU that claims {length} bytes (from {HEADER.size} to"
            f" {max_bytes} are read)"
        )
    return head + _read_exactly(connection, length - HEADER.size, at_start=False)


def _read_exactly(connection: socket.socket, size: int, *, at_start: bool) -> bytes:
    parts: list[bytes] = []
    left = size
    while left:
        with mapped(Step.READ):
            part = connection.recv(left)
        if not part:
            if at_start and left == size:
                return b""
            raise ConnectionFailedError("the SMPP connection was closed in the middle of a PDU")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class _Waiter:
    """Where the reader leaves the answer to one request."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: bytes | SmscError = b""

    def settle(self, answer: bytes | SmscError) -> None:
        self.answer = answer
        self.done.set()


class SmppSession:
    """A connected, bound SMPP session; ``start`` it once the bind is answered."""

    def __init__(
        self,
        connection: socket.socket,
        *,
        keepalive: float,
        max_pdu_bytes: int,
        name: str,
        on_request: RequestHandler | None = None,
    ) -> None:
        self._connection = connection
        self._on_request = on_request
        self._keepalive = keepalive
        self._max_pdu_bytes = max_pdu_bytes
        self._name = name
        self._lock = threading.Lock()  # the pending requests, the sequence, the failure
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Waiter] = {}
        self._sequence = 0
        self._failure: SmscError | None = None
        self._ended = threading.Event()
        self._closing = False
        self._last_sent = time.monotonic()
        self._reader = threading.Thread(target=self._read_all, name=name, daemon=True)

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        *,
        timeout: float,
        keepalive: float,
        max_pdu_bytes: int,
        on_request: RequestHandler | None = None,
    ) -> SmppSession:
        with mapped(Step.SEND):
            connection = socket.create_connection((host, port), timeout=timeout)
        return cls(
            connection,
            keepalive=keepalive,
            max_pdu_bytes=max_pdu_bytes,
            name=f"smsc-soap-smpp-{host}:{port}",
            on_request=on_request,
        )

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._failure is None and not self._closing

    @property
    def failure(self) -> SmscError | None:
        """Why the session ended; None while it is alive or when it was closed."""
        with self._lock:
            return None if self._closing else self._failure

    def wait_ended(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: for as long as it takes) for the session to
        end, broken or closed; True if it has."""
        return self._ended.wait(timeout)

    def abort(self) -> None:
        """From any thread: shut the connection both ways, so that a bind waiting for its
        answer ends with ``ConnectionFailedError``; its own thread then closes the session."""
        self._shut()

    def exchange(self, build: PduBuilder, *, timeout: float) -> bytes:
        """Before the reader runs (the bind): send one request and read its answer here."""
        sequence = self._next_sequence()
        with mapped(Step.BUILD):
            request = build(sequence)
        self._connection.settimeout(timeout)
        self._send(request)
        answer = read_frame(self._connection, self._max_pdu_bytes)
        if not answer:
            raise ConnectionFailedError("the SMPP server closed the connection without answering")
        if header_of(answer)[2] != sequence:
            raise MalformedResponseError("the SMPP server answered a request that was not sent")
        return answer

    def start(self, io_timeout: float) -> None:
        """Hand the reading over to the reader thread. From now on the reader waits for PDUs
        with select; ``io_timeout`` bounds only the rest of a PDU begun, and each send."""
        self._connection.settimeout(io_timeout)
        self._reader.start()

    def request(self, build: PduBuilder, *, timeout: float) -> bytes:
        """Send a request and wait up to ``timeout`` seconds for the answer to it; with no
        time left, nothing is sent."""
        if timeout <= 0:
            raise RequestTimeoutError("the call's deadline passed before the request was sent")
        waiter = _Waiter()
        with self._lock:
            if self._failure is not None:
                raise self._failure.copy()
            sequence = self._next_sequence_locked()
            self._pending[sequence] = waiter
        try:
            with mapped(Step.BUILD):
                request = build(sequence)
            self._send(request)
            if not waiter.done.wait(timeout):
                raise RequestTimeoutError(f"the SMPP server did not answer within {timeout:.3g} s")
        finally:
            with self._lock:
                self._pending.pop(sequence, None)
        if isinstance(waiter.answer, SmscError):
            raise waiter.answer
        return waiter.answer

    def close(self, farewell: PduBuilder | None = None) -> None:
        """Send ``farewell`` (the unbind) if the session is alive, wait briefly for its answer,
        and close the connection."""
        if farewell is not None and self.alive and self._reader.is_alive():
            try:
                self.request(farewell, timeout=_UNBIND_WAIT)
            except SmscError as error:
                logger.debug("%s: the unbind was not answered: %s", self._name, error)
        with self._lock:
            self._closing = True
        self._shut()
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=_UNBIND_WAIT)
        self._connection.close()
        self._ended.set()

    def _next_sequence(self) -> int:
        with self._lock:
            return self._next_sequence_locked()

    def _next_sequence_locked(self) -> int:
        while True:
            self._sequence = self._sequence % _MAX_SEQUENCE + 1
            if self._sequence not in self._pending:
                return self._sequence

    def _send(self, data: bytes) -> None:
        try:
            with self._send_lock:
                with mapped(Step.SEND):
                    self._connection.sendall(data)
                self._last_sent = time.monotonic()
        except SmscError as error:
            self._fail(error)
            raise

    def _read_all(self) -> None:
        """The reader thread: however it ends, the session is failed with it, so that no
        request waits out its timeout and the next lookup binds again."""
        ended: SmscError = ConnectionFailedError("the SMPP session's reader stopped")
        try:
            self._read_until_broken()
        except SmscError as error:
            ended = error
        finally:
            self._fail(ended)
            self._shut()

    def _read_until_broken(self) -> None:
        unanswered_probe: int | None = None
        while True:
            quiet = time.monotonic() - self._last_sent
            with mapped(Step.READ):
                readable, _, _ = select.select(
                    [self._connection], [], [], max(self._keepalive - quiet, 0.0)
                )
            if not readable:
                if unanswered_probe is not None and self._waiting_for(unanswered_probe):
                    raise RequestTimeoutError(
                        f"the SMPP server left an enquire_link unanswered for"
                        f" {self._keepalive:.3g} s"
                    )
                unanswered_probe = self._probe()
                continue
            frame = read_frame(self._connection, self._max_pdu_bytes)
            if not frame:
                raise ConnectionFailedError("the SMPP server closed the connection")
            self._dispatch(frame)

    def _shut(self) -> None:
        """Shut the connection both ways: the reader wakes, the server sees it end."""
        with contextlib.suppress(SmscError), mapped(Step.SEND):
            self._connection.shutdown(socket.SHUT_RDWR)

    def _waiting_for(self, sequence: int) -> bool:
        with self._lock:
            return sequence in self._pending

    def _probe(self) -> int:
        """Send an enquire_link nobody waits for; its answer is only looked for."""
        with self._lock:
            sequence = self._next_sequence_locked()
            self._pending[sequence] = _Waiter()
        self._send(pdu(ENQUIRE_LINK, sequence))
        return sequence

    def _dispatch(self, frame: bytes) -> None:
        command_id, _, sequence = header_of(frame)
        if command_id & RESPONSE_BIT:  # generic_nack among them
            with self._lock:
                waiter = self._pending.pop(sequence, None)
            if waiter is None:
                logger.debug("%s: an answer to no request waiting (late?) was dropped", self._name)
            else:
                waiter.settle(frame)
            return
        if command_id == ENQUIRE_LINK:
            self._send(pdu(ENQUIRE_LINK | RESPONSE_BIT, sequence))
        elif command_id == UNBIND:
            # Failed first: no lookup may go out on a session the server has ended.
            ended = ConnectionFailedError("the SMPP server ended the session (unbind)")
            self._fail(ended)
            self._send(pdu(UNBIND | RESPONSE_BIT, sequence))
            raise ended
        elif self._on_request is not None:
            self._send(self._on_request(frame))
        else:
            # Bound as a transmitter, this session is sent no messages and no receipts.
            self._send(pdu(GENERIC_NACK, sequence, status=ESME_RINVBNDSTS))

    def _fail(self, error: SmscError) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = error
                if not self._closing:
                    logger.debug("%s: the session ended: %s", self._name, error)
            waiting = list(self._pending.values())
            self._pending.clear()
        self._ended.set()
        for waiter in waiting:
            waiter.settle(error.copy())
