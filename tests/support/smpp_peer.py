"""Small SMPP servers on 127.0.0.1: ``SmppPeer`` accepts a bind, sends DELIVER_SMs and records
the answers; ``ScriptedSmsc`` answers a transmitter's PDUs as a test scripts them."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable

BIND_RECEIVER = 0x00000001
BIND_TRANSCEIVER = 0x00000009
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
RESPONSE = 0x80000000


def c_string(text: str) -> bytes:
    return text.encode("latin-1") + b"\0"


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return struct.pack(">LLLL", 16 + len(body), command_id, status, sequence) + body


def deliver_sm(
    sequence: int,
    text: str,
    tlvs: dict[int, bytes],
    *,
    source: str = "79991234567",
    esm_class: int = 0x04,
) -> bytes:
    message = text.encode("latin-1")
    body = (
        c_string("")  # service_type
        + bytes([1, 1])
        + c_string(source)
        + bytes([0, 0])
        + c_string("SMSC")
        + bytes([esm_class, 0, 0])
        + c_string("")  # schedule_delivery_time
        + c_string("")  # validity_period
        + bytes([0, 0, 0, 0, len(message)])
        + message
        + b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs.items())
    )
    return pdu(DELIVER_SM, sequence, body)


class SmppPeer:
    """Binds one receiver or transceiver, sends it ``deliveries``, and keeps what it answered."""

    def __init__(self, deliveries: list[bytes]) -> None:
        self.deliveries = deliveries
        self.answers: list[tuple[int, int, int]] = []  # command_id, status, sequence
        self.bound_as: str | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> SmppPeer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        with connection:
            connection.settimeout(5)
            command_id, _, sequence, body = self._read(connection)
            assert command_id in (BIND_RECEIVER, BIND_TRANSCEIVER)
            self.bound_as = body.split(b"\0", 1)[0].decode()
            connection.sendall(pdu(command_id | RESPONSE, sequence, c_string("SMSC")))
            for delivery in self.deliveries:
                connection.sendall(delivery)
                command_id, status, sequence, _ = self._read(connection)
                self.answers.append((command_id, status, sequence))

    @staticmethod
    def _read(connection: socket.socket) -> tuple[int, int, int, bytes]:
        head = b""
        while len(head) < 16:
            head += connection.recv(16 - len(head))
        length, command_id, status, sequence = struct.unpack(">LLLL", head)
        body = b""
        while len(body) < length - 16:
            body += connection.recv(length - 16 - len(body))
        return command_id, status, sequence, body


BIND_TRANSMITTER = 0x00000002
QUERY_SM = 0x00000003
QUERY_SM_RESP = 0x80000003
ENQUIRE_LINK = 0x00000015

Answerer = Callable[[int, int, bytes], "bytes | None"]
"""(command_id, sequence, body) of a PDU received: the bytes to send back, None to hang up."""


def query_sm_resp(
    sequence: int, state: int, *, final_date: str = "", error_code: int = 0, message_id: str = "1"
) -> bytes:
    body = c_string(message_id) + c_string(final_date) + bytes([state, error_code])
    return pdu(QUERY_SM_RESP, sequence, body)


class ScriptedSmsc:
    """An SMPP server for one client at a time: answers each bind with ``bind_status``, every
    other PDU as ``answer`` says, and keeps the command ids and sequences it was sent."""

    def __init__(self, answer: Answerer, *, bind_status: int = 0) -> None:
        self.answer = answer
        self.bind_status = bind_status
        self.received: list[tuple[int, int]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._connection: socket.socket | None = None
        self.conversations = 0
        """Connections that have ended."""
        self.bound_as: list[str] = []
        """The system_id of each bind, in order."""

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def received_of(self, command_id: int) -> int:
        return sum(received == command_id for received, _ in self.received)

    @property
    def binds(self) -> int:
        return sum(command_id == BIND_TRANSMITTER for command_id, _ in self.received)

    def __enter__(self) -> ScriptedSmsc:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for held in (self._listener, self._connection):
            if held is not None:
                with contextlib.suppress(OSError):  # wakes accept() and recv()
                    held.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # shut by __exit__
                return
            self._connection = connection
            with connection:
                self._converse(connection)
            self.conversations += 1

    def _converse(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        while True:
            try:
                head = connection.recv(16, socket.MSG_WAITALL)
                if len(head) < 16:  # the client hung up
                    return
                length, command_id, _, sequence = struct.unpack(">LLLL", head)
                body = connection.recv(length - 16, socket.MSG_WAITALL) if length > 16 else b""
            except OSError:
                return
            self.received.append((command_id, sequence))
            if command_id == BIND_TRANSMITTER:
                self.bound_as.append(body.split(b"\0", 1)[0].decode("latin-1"))
                reply: bytes | None = pdu(
                    command_id | RESPONSE,
                    sequence,
                    c_string("SMSC") if self.bind_status == 0 else b"",
                    self.bind_status,
                )
            elif command_id == UNBIND:
                reply = pdu(UNBIND | RESPONSE, sequence)
            else:
                reply = self.answer(command_id, sequence, body)
            if reply is None:
                return
            try:
                connection.sendall(reply)
            except OSError:  # the client hung up first
                return
