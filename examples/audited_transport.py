"""A transport of your own: every lookup written to an audit table, whatever the result.

The client keeps validation, retries, limits and result parsing; a transport only moves one
request and its reply fields. This one wraps a built-in transport (here the HTTP one, through
a session you configure: a corporate proxy, a client certificate) and records each request in
SQLite. Runs against the built-in sandbox:

python examples/audited_transport.py
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

import requests

from smsc_soap import HttpStatusTransport, SmscError, StatusClient, StatusTransport
from smsc_soap.sandbox import Sandbox, SandboxApp, SandboxOptions, default_book
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest


class AuditedTransport:
    """Passes each request to ``inner`` and writes what came of it to ``audit``."""

    def __init__(self, inner: StatusTransport, audit: sqlite3.Connection) -> None:
        self.inner = inner
        self.audit = audit
        audit.execute(
            "CREATE TABLE IF NOT EXISTS lookups (phone TEXT, message_id TEXT, outcome TEXT)"
        )

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        try:
            fields = self.inner.fetch(credentials, request, timeout=timeout)
        except SmscError as error:
            self._record(request, type(error).__name__)
            raise
        self._record(request, f"status {fields.get('status')} error {fields.get('error')}")
        return fields

    def _record(self, request: StatusRequest, outcome: str) -> None:
        with self.audit:  # one transaction per row: nothing half-written
            self.audit.execute(
                "INSERT INTO lookups VALUES (?, ?, ?)",
                (request.phone, request.message_id, outcome),
            )

    def close(self) -> None:
        self.inner.close()


def corporate_session(
    proxy: str | None = None, certificate: tuple[str, str] | None = None
) -> requests.Session:
    """A session through a proxy (``"http://proxy.corp.example:3128"``) with a client
    certificate (``("client.pem", "client.key")``); the sandbox needs neither."""
    session = requests.Session()
    if proxy is not None:
        session.proxies = {"https": proxy, "http": proxy}
    if certificate is not None:
        session.cert = certificate
    return session


def main() -> list[tuple[str, str, str]]:
    book = default_book()
    audit = sqlite3.connect(":memory:")
    with Sandbox(SandboxApp(book, SandboxOptions())) as sandbox:
        inner = HttpStatusTransport(
            endpoint=sandbox.status_endpoint,
            allow_insecure_http=True,
            session=corporate_session(),
        )
        with StatusClient("demo", "demo", transport=AuditedTransport(inner, audit)) as client:
            for message in list(book)[:3]:
                print(message.id, client.get_status(message.phone, message.id).status.label)
            try:
                client.get_status("79990000000", "404")
            except SmscError as error:
                print("404", type(error).__name__)
    rows = audit.execute("SELECT * FROM lookups").fetchall()
    for row in rows:
        print("audit:", *row)
    return rows


if __name__ == "__main__":
    main()
