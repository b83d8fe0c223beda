"""A small HTTP server on 127.0.0.1 that answers each request with a scripted misbehaviour."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Sequence

Answer = Callable[[socket.socket, "FaultServer"], None]


class FaultServer:
    """Serves ``answers`` in turn (the last one repeats), one connection per request.

    ``requests`` holds the raw bytes of every request received, ``connections`` counts the
    connections taken; ``stop`` releases answers that hold their connection open. With
    ``tls`` every connection is wrapped in TLS first (serve on ``tls_url``); with
    ``keep_alive`` a connection is read for further requests after each answer; with
    ``reads_requests=False`` an answer gets the connection before any request is read (for
    one that fakes a TLS handshake).
    """

    def __init__(
        self,
        answers: Sequence[Answer],
        *,
        reads_requests: bool = True,
        tls: ssl.SSLContext | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.answers = list(answers)
        self.reads_requests = reads_requests
        self.tls = tls
        self.keep_alive = keep_alive
        self.requests: list[bytes] = []
        self.connections = 0
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()
        return f"http://{host}:{port}/sys/soap.php"

    @property
    def tls_url(self) -> str:
        return self.url.replace("http://", "https://", 1)

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
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                if self.tls is not None:
                    connection = self.tls.wrap_socket(connection, server_side=True)
                while not self.stop.is_set():
                    request = _read_request(connection) if self.reads_requests else b""
                    if self.reads_requests and not request:
                        return  # the client closed a kept-alive connection
                    self.requests.append(request)
                    answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
                    answer(connection, self)
                    if not self.keep_alive:
                        return
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
    """A status line and headers; ``Connection: close`` unless ``headers`` say otherwise."""
    given = {"Connection": "close", **headers}
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in given.items())]
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


def _dripped(connection: socket.socket, server: FaultServer, data: bytes, every: float) -> bool:
    """Send ``data`` a byte at a time; False once the server stops."""
    for byte in data:
        if server.stop.wait(every):
            return False
        connection.sendall(bytes([byte]))
    return True


def _forever(connection: socket.socket, server: FaultServer, data: bytes, every: float) -> None:
    """Drip ``data`` over and over; give up after ``DRIP_LIMIT`` seconds, so that a client
    that fails to cut it off fails its test instead of hanging it."""
    ends = time.monotonic() + DRIP_LIMIT
    while time.monotonic() < ends and _dripped(connection, server, data, every):
        pass


DRIP_LIMIT = 5.0


def drip_head(every: float) -> Answer:
    """A status line, then header lines a byte at a time, never the blank line that ends them."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        _forever(connection, server, b"X-Padding: 0\r\n", every)

    return answer


def drip_chunk_size(every: float) -> Answer:
    """A chunked reply whose first chunk-size line never ends: zeros a byte at a time."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(head("200 OK", {"Transfer-Encoding": "chunked"}, None))
        _forever(connection, server, b"0", every)

    return answer


def drip_trailers(body: bytes, every: float) -> Answer:
    """A whole chunked body, then trailer lines a byte at a time, never the last blank line."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n"
        connection.sendall(head("200 OK", {"Transfer-Encoding": "chunked"}, None) + chunked)
        _forever(connection, server, b"X-Trailer: 0\r\n", every)

    return answer


# A non-final stored deflate block of no bytes: it decompresses to nothing.
EMPTY_DEFLATE_BLOCK = b"\x00\x00\x00\xff\xff"


def gzip_padding(every: float) -> Answer:
    """A gzip body that is a header, then an empty deflate block every ``every`` seconds:
    bytes keep coming, decompressed text never does."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.sendall(head("200 OK", {"Content-Encoding": "gzip"}, None))
        connection.sendall(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
        ends = time.monotonic() + DRIP_LIMIT
        while time.monotonic() < ends and not server.stop.wait(every):
            connection.sendall(EMPTY_DEFLATE_BLOCK)

    return answer


def drip_tls_handshake(every: float) -> Answer:
    """Take the client's hello, then answer with a TLS handshake record a byte at a time: the
    record announces 16 KiB, so the handshake never ends (use with ``reads_requests=False``)."""

    def answer(connection: socket.socket, server: FaultServer) -> None:
        connection.recv(65536)
        connection.sendall(b"\x16\x03\x03\x40\x00")  # handshake, TLS 1.2, 16384 bytes
        _forever(connection, server, b"\x00", every)

    return answer
