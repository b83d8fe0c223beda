"""The CPU cost of one lookup with no network in the way: the client, raw zeep, and a floor."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import zeep
from lxml import etree

from smsc_soap import InstantClock, StatusClient
from smsc_soap.wsdl.shipped import shipped_wsdl

from .canned import REPLY, canned_session
from .stats import Figure, Spread

PHONE = "79991234567"
ENDPOINT = "https://smsc.ru/sys/soap.php"
FLOOR_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><soap-env:Envelope'
    ' xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
    '<ns0:status xmlns:ns0="http://smsc.ru/sys/soap.php"><login>demo</login><psw>pw</psw>'
    "<phone>{phone}</phone><id>{id}</id><all>0</all></ns0:status></soap-env:Body>"
    "</soap-env:Envelope>"
)


def approaches() -> dict[str, Callable[[int], object]]:
    # A clock whose waits are instant: the per-message limit must not turn this into a
    # benchmark of sleeping; every id is new anyway.
    client = StatusClient("demo", "pw", session=canned_session(), clock=InstantClock())
    transport = zeep.Transport(session=canned_session())
    raw = zeep.Client(io.BytesIO(shipped_wsdl("smsc.ru")), transport=transport)
    service = raw.create_service("{http://smsc.ru/sys/soap.php}ServiceSoap", ENDPOINT)

    def with_client(n: int) -> object:
        return client.get_status(PHONE, str(n))

    def with_zeep(n: int) -> object:
        return service.get_status(login="demo", psw="pw", phone=PHONE, id=str(n), all="0")

    def floor(n: int) -> object:
        FLOOR_ENVELOPE.format(phone=PHONE, id=n).encode()
        return etree.fromstring(REPLY)

    return {"client": with_client, "zeep": with_zeep, "floor": floor}


def measure(rounds: int, lookups: int) -> list[Figure]:
    runs = approaches()
    per_lookup: dict[str, list[float]] = {name: [] for name in runs}
    offset = 0
    for _ in range(rounds + 1):  # the first round warms up and is not counted
        for name, run in runs.items():
            started = time.process_time()
            for n in range(offset, offset + lookups):
                run(n)
            per_lookup[name].append((time.process_time() - started) / lookups * 1e6)
            offset += lookups
    for values in per_lookup.values():
        del values[0]
    wrapper = [c / z for c, z in zip(per_lookup["client"], per_lookup["zeep"], strict=True)]
    zeep_over_floor = [z / f for z, f in zip(per_lookup["zeep"], per_lookup["floor"], strict=True)]
    wrapper_spread = Spread.of(wrapper)
    return [
        Figure("CPU per lookup: StatusClient.get_status", Spread.of(per_lookup["client"]), "µs"),
        Figure("CPU per lookup: raw zeep service call", Spread.of(per_lookup["zeep"]), "µs"),
        Figure(
            "CPU per lookup: floor (f-string envelope, bare lxml parse)",
            Spread.of(per_lookup["floor"]),
            "µs",
        ),
        Figure(
            "wrapper CPU / raw zeep", wrapper_spread, "x", "≤ 1.15x", wrapper_spread.median <= 1.15
        ),
        Figure("raw zeep / floor", Spread.of(zeep_over_floor), "x"),
    ]
