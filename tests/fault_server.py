"""A small HTTP server on 127.0.0.1 that answers each request with a scripted misbehaviour."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Sequence

Answer = Callable[[socket.socket, "FaultServer"], None]


class FaultServer:
    """Serves ``answers`` in turn (the last one repeats), one connection per request.

    ``requests`` holds the raw bytes of every request received; ``stop`` releases answers
    that hold their connection open.
    """

    def __init__(self, answers: Sequence[Answer]) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()
        return f"http://{host}:{port}/sys/soap.php"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                request = _read_request(connection)
                self.requests.append(request)
                answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
                answer(connection, self)
            except OSError:
                pass  # the client hung up first, as it should on a cut-off reply


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def head(status: str, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def respond(
    body: bytes,
    status: str = "200 OK",
    content_type: str = "text/xml; charset=utf-8",
    **headers: str,
) -> Answer:
    def answer(connection: socket.socket, server: FaultServer) -> None:
        extra = {
            "Content-Type": content_type,
            **{k.replace("_", "-"): v for k, v in headers.items()},
        }
        connection.sendall(head(status, extra, len(body)) + body)

    return answer


def truncated(body: bytes, *, reset: bool) -> Answer:
    """Promise the whole body, send a fifth of it, then close (or reset) the connection."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(head("200 OK", {"Content-Type": "text/xml"}, len(body)))
        connection.sendall(body[: len(body) // 5])
        if reset:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return answer


def never_answers(connection: socket.socket, server: FaultServer) -> None:
    server.stop.wait(30)


def drip(body: bytes, every: float) -> Answer:
    """Send the headers, then the body a byte at a time."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(head("200 OK", {"Content-Type": "text/xml"}, len(body)))
        for byte in body:
            if server.stop.wait(every):
                return
            connection.sendall(bytes([byte]))

    return answer


def endless(chunk: bytes, total: int) -> Answer:
    """A body of ``total`` bytes with no length given, streamed until the client hangs up."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(head("200 OK", {"Content-Type": "text/xml"}, None))
        sent = 0
        while sent < total:
            connection.sendall(chunk)
            sent += len(chunk)

    return answer
