"""What a caller sees when the network misbehaves: the sandbox with faults switched on.

Faults that can pass are retried with short jittered back-off, then raised typed with the
number of attempts: an HTTP 500 page, a SOAP Fault, a connection dropped before the reply
it announced was whole. A reply that arrives whole but cannot be read (here: half a body
sent as if it were all) is raised at once as ``MalformedResponseError``: asking again would
only read it again.

python examples/sandbox_faults.py
"""

from __future__ import annotations

import logging

from smsc_soap import Clock, SmscError, StatusClient, SystemClock
from smsc_soap.sandbox import Sandbox, SandboxApp, SandboxOptions, default_book

FAULTS = {"1004": "http_500", "1005": "soap_fault", "1006": "truncated", "1007": "reset"}


def main(clock: Clock | None = None) -> None:
    """The six lookups, printed; ``clock`` is the client's (a test's, to skip the waits)."""
    # The sandbox's web server reports each connection it drops on purpose: not news here.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    book = default_book()
    options = SandboxOptions(faults=FAULTS, undeclared=(("flag", "0"),), undeclared_at="start")
    with (
        Sandbox(SandboxApp(book, options)) as sandbox,
        StatusClient(
            "demo",
            "demo",
            endpoint=sandbox.soap_endpoint,
            allow_insecure_http=True,
            clock=clock or SystemClock(),
        ) as client,
    ):
        for message in list(book)[2:8]:
            try:
                status = client.get_status(message.phone, message.id)
                print(f"{message.id}: status {int(status.status)}, extra {dict(status.extra)}")
            except SmscError as error:
                print(f"{message.id}: {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
