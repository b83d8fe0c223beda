"""What a caller sees when the network misbehaves: the sandbox with faults switched on.

Faults that can pass (HTTP 500, a cut or reset connection) are retried, then raised typed
with the number of attempts; waits between attempts are short jittered back-off.

python examples/sandbox_faults.py
"""

from __future__ import annotations

from smsc_soap import SmscError, StatusClient
from smsc_soap.sandbox import Sandbox, SandboxApp, SandboxOptions, default_book

FAULTS = {"1004": "http_500", "1005": "soap_fault", "1006": "truncated", "1007": "reset"}


def main() -> None:
    book = default_book()
    options = SandboxOptions(faults=FAULTS, undeclared=(("flag", "0"),), undeclared_at="start")
    with (
        Sandbox(SandboxApp(book, options)) as sandbox,
        StatusClient(
            "demo", "demo", endpoint=sandbox.soap_endpoint, allow_insecure_http=True
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
