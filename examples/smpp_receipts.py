"""Delivery receipts over SMPP, each one the same MessageStatus a status lookup gives.

Bind as a transceiver, send with registered_delivery=1 (or the receipts go to your HTTP
handler instead), and every DELIVER_SM receipt reaches on_status:

SMSC_SMPP_HOST=... SMSC_SMPP_PORT=... SMSC_LOGIN=... SMSC_PASSWORD=... \\
    python examples/smpp_receipts.py [PHONE-TO-SEND-A-TEST-MESSAGE-TO]

Without those four variables (the port a number) it prints this usage and exits 2.
"""

from __future__ import annotations

import os
import sys

from smsc_soap import MessageStatus
from smsc_soap.smpp.listener import ReceiptClient, ReceiptListener


def on_status(status: MessageStatus) -> None:
    print(
        f"{status.message_id} to {status.phone}: {status.status.label}"  # type: ignore[union-attr]
        f" ({status.outcome.value}), err {status.err}, cost {status.cost}"
    )


def main(
    host: str,
    port: int,
    login: str,
    password: str,
    send_to: str | None = None,
    receipts: int | None = None,
) -> None:
    """Listen for ``receipts`` PDUs (forever if None)."""
    client = ReceiptClient(host, port, timeout=30)
    client.connect()
    client.bind_transceiver(system_id=login, password=password)
    ReceiptListener(on_status).attach(client)
    if send_to is not None:
        client.send_message(
            source_addr="SMSC.RU",
            destination_addr=send_to,
            short_message=b"smsc-soap receipt test",
            registered_delivery=1,  # ask for a receipt
        )
    try:
        if receipts is None:
            client.listen()
        for _ in range(receipts or 0):
            client.read_once()
    finally:
        client.disconnect()


SETTINGS = ("SMSC_SMPP_HOST", "SMSC_SMPP_PORT", "SMSC_LOGIN", "SMSC_PASSWORD")

if __name__ == "__main__":
    if not set(SETTINGS) <= os.environ.keys() or not os.environ["SMSC_SMPP_PORT"].isdigit():
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(
        os.environ["SMSC_SMPP_HOST"],
        int(os.environ["SMSC_SMPP_PORT"]),
        os.environ["SMSC_LOGIN"],
        os.environ["SMSC_PASSWORD"],
        send_to=sys.argv[1] if len(sys.argv) > 1 else None,
    )
