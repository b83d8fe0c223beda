"""Stream N batch results through get_statuses in a process of its own; print its peak RSS.

``python -m bench.stream N`` (0 measures the imports alone) prints the process's own ``VmHWM``
in KiB, from ``/proc/self/status``: unlike ``ru_maxrss``, which a child started by
``subprocess`` carries over from its parent, it counts this process alone.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Mapping

from smsc_soap import StatusClient
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

ANSWER = {"status": "1", "last_timestamp": "1629048442", "err": "0", "cost": "1.50"}
LATENCY = 0.05


class SimulatedTime:
    """A clock where each answer takes 50 ms of its time and waits take none of ours, so a
    run passes through the service's one-minute windows as a real batch would."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        return condition.wait(timeout)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


class AnsweringTransport:
    def __init__(self, clock: SimulatedTime) -> None:
        self.clock = clock

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        self.clock.advance(LATENCY / 4)  # four in flight share the time
        return ANSWER

    def close(self) -> None:
        pass


def refs(count: int) -> Iterator[tuple[str, str]]:
    for n in range(count):
        yield ("79991234567", str(n))


def main(count: int) -> None:
    clock = SimulatedTime()
    client = StatusClient("demo", "pw", transport=AnsweringTransport(clock), clock=clock)
    delivered = sum(result.ok for result in client.get_statuses(refs(count)))
    if delivered != count:
        raise SystemExit(f"{count - delivered} lookups failed")
    print(peak_kib())


def peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status: the memory benchmark needs Linux")


if __name__ == "__main__":
    main(int(sys.argv[1]))
