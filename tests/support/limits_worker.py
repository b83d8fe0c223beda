"""One worker process of the multi-process tests: reads its job as JSON from JOB_VARIABLE, looks
messages up on a shared limit store, and prints what happened as JSON on stdout.

Jobs (``"mode"``):

- ``batch``: ``get_statuses`` over ``ids``;
- ``each``: ``get_status`` of each of ``ids`` in turn;

each of them with the call's ``deadline`` the job gives (120 s if none);
- ``hang``: four lookups at once through a transport that never answers; prints ``holding``
  once all four are in it, then waits to be killed.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from smsc_soap import RetryPolicy, SmscError, StatusClient
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

JOB_VARIABLE = "SMSC_SOAP_TEST_JOB"


def main() -> None:
    job = json.loads(os.environ[JOB_VARIABLE])
    if job["mode"] == "hang":
        hang(job)
        return
    client = StatusClient(
        job["login"],
        job["password"],
        endpoint=job["endpoint"],
        allow_insecure_http=True,
        limits=job["limits"],
        wait_for_limits=job.get("wait", True),
        deadline=job.get("deadline", 120.0),
        retry=RetryPolicy.disabled(),  # an error 9 shows as a failed item, not retried away
    )
    outcomes: list[dict[str, Any]] = []
    raised = None
    try:
        if job["mode"] == "batch":
            refs = [(job["phone"], message_id) for message_id in job["ids"]]
            outcomes = [
                _outcome(result.message_id, result.error) for result in client.get_statuses(refs)
            ]
        else:
            for message_id in job["ids"]:
                try:
                    client.get_status(job["phone"], message_id)
                    outcomes.append(_outcome(message_id, None))
                except SmscError as error:
                    outcomes.append(_outcome(message_id, error))
    except SmscError as error:
        raised = _outcome("", error)
    finally:
        client.close()
    print(json.dumps({"outcomes": outcomes, "raised": raised}))


def _outcome(message_id: str, error: SmscError | None) -> dict[str, Any]:
    if error is None:
        return {"id": message_id, "error": None}
    return {
        "id": message_id,
        "error": type(error).__name__,
        "from_service": getattr(error, "from_service", None),  # not on every SmscError
        "text": str(error),
    }


class NeverAnswers:
    """A transport whose requests never end; announces when ``expected`` are in it. Its
    ``endpoint`` names the host the lockout keeps the credentials' standing for."""

    def __init__(self, expected: int, endpoint: str) -> None:
        self.endpoint = endpoint
        self._expected = expected
        self._arrived = 0
        self._lock = threading.Lock()

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        with self._lock:
            self._arrived += 1
            if self._arrived == self._expected:
                print("holding", flush=True)
        threading.Event().wait()
        raise AssertionError("unreachable: the worker is killed first")

    def close(self) -> None:
        """Nothing to close."""


def hang(job: dict[str, Any]) -> None:
    client = StatusClient(
        job["login"],
        job["password"],
        transport=NeverAnswers(4, job["endpoint"]),
        limits=job["limits"],
        deadline=job["deadline"],
        lease_margin=job["lease_margin"],
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        for message_id in job["ids"]:
            pool.submit(client.get_status, job["phone"], message_id)


if __name__ == "__main__":
    main()
