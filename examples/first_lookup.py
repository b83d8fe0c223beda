"""Look up one message's status on the real service.

SMSC_LOGIN=... SMSC_PASSWORD=... python examples/first_lookup.py 79991234567 854019

Against a sandbox (``smsc-soap sandbox`` prints its URL), add
SMSC_ENDPOINT=http://127.0.0.1:PORT/sys/soap.php SMSC_INSECURE_HTTP=1 and log in as demo/demo.
Without a phone and an id, or without the login and password in the environment, it prints
this usage and exits 2.
"""

from __future__ import annotations

import os
import sys

from smsc_soap import SmscError, StatusClient


def main(phone: str, message_id: str) -> int:
    with StatusClient(
        os.environ["SMSC_LOGIN"],
        os.environ["SMSC_PASSWORD"],
        endpoint=os.environ.get("SMSC_ENDPOINT"),  # None: https://smsc.ru/sys/soap.php
        allow_insecure_http=os.environ.get("SMSC_INSECURE_HTTP") == "1",
    ) as client:
        try:
            status = client.get_status(phone, message_id, all=1)
        except SmscError as error:
            print(f"lookup failed: {error}", file=sys.stderr)
            return 1
    print(
        f"status {int(status.status)} ({status.outcome.value}), err {status.err},"
        f" changed {status.last_date}, cost {status.cost}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or not {"SMSC_LOGIN", "SMSC_PASSWORD"} <= os.environ.keys():
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
