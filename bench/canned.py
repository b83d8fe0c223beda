"""One canned SOAP reply, answered by a requests adapter (no sockets) or a local HTTP server."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import requests.sessions
import urllib3
from requests.adapters import HTTPAdapter

REPLY = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:ns1="http://smsc.ru/sys/soap.php"><SOAP-ENV:Body><ns1:StatusResponse><statusresult>'
    b"<status>1</status><last_date>15.08.2021 20:27:22</last_date>"
    b"<last_timestamp>1629048442</last_timestamp><err>0</err>"
    b"</statusresult></ns1:StatusResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Content-Length": str(len(REPLY))}


class CannedAdapter(HTTPAdapter):
    """Every request answered with ``REPLY``, after requests has done all of its own work."""

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(REPLY), headers=HEADERS, status=200, preload_content=False
        )
        return self.build_response(request, raw)


def answer_every_session() -> None:
    """From now on every ``requests.Session`` made in this process, the client's own and
    zeep's included, mounts ``CannedAdapter`` where it would mount ``HTTPAdapter``; the
    adapter the client's own sessions mount (which shuts sockets at the deadline) answers
    the same way."""
    from smsc_soap.wire import watchdog

    requests.sessions.HTTPAdapter = CannedAdapter
    watchdog.WatchedAdapter.send = CannedAdapter.send  # type: ignore[method-assign]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        for name, value in HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(REPLY)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def canned_server() -> Iterator[str]:
    """A local HTTP server answering every POST with ``REPLY``; yields its SOAP URL. Its
    thread sleeps in select() between requests, so it costs nothing while idle."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sys/soap.php"
    finally:
        server.shutdown()
        server.server_close()
