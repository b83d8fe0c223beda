"""A small SMPP server on 127.0.0.1: accepts a bind, sends DELIVER_SMs, records the answers."""

from __future__ import annotations

import socket
import struct
import threading

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
    """Binds one client, sends it ``deliveries``, and keeps what it answered."""

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
            assert command_id == BIND_TRANSCEIVER
            self.bound_as = body.split(b"\0", 1)[0].decode()
            connection.sendall(pdu(BIND_TRANSCEIVER | RESPONSE, sequence, c_string("SMSC")))
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
