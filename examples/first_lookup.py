"""Look up one message's status on the real service.

SMSC_LOGIN=... SMSC_PASSWORD=... python examples/first_lookup.py 79991234567 854019
"""

from __future__ import annotations

import os
import sys

from smsc_soap import SmscError, StatusClient


def main(phone: str, message_id: str) -> int:
    with StatusClient(os.environ["SMSC_LOGIN"], os.environ["SMSC_PASSWORD"]) as client:
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
    sys.exit(main(*sys.argv[1:3]))
