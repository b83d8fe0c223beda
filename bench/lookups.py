"""CPU per lookup in a process of its own, where every requests session answers one canned
reply: the client, raw zeep and two floors, in shuffled order round by round.

``python -m bench.lookups ROUNDS LOOKUPS`` prints, as JSON, the CPU microseconds per lookup of
each approach in each counted round (a first round warms up and is dropped).
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from collections.abc import Callable
from xml.sax.saxutils import escape

from .canned import REPLY, answer_every_session

answer_every_session()  # before any session is made

import requests  # noqa: E402 - after the adapter is swapped
import zeep  # noqa: E402
from lxml import etree  # noqa: E402

from smsc_soap import InstantClock, StatusClient  # noqa: E402
from smsc_soap.wsdl.shipped import shipped_wsdl  # noqa: E402

PHONE = "79991234567"
ENDPOINT = "https://smsc.ru/sys/soap.php"
SERVICE = "{http://smsc.ru/sys/soap.php}ServiceSoap"
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://smsc.ru/sys/soap.php"'}

APPROACHES = (
    "client",
    "client, caller's session",
    "raw zeep",
    "floor through requests",
    "bare floor",
)


def envelope(message_id: str) -> bytes:
    """The request with its values escaped into an f-string: the least a client can do."""
    values = {"login": "demo", "psw": "pw", "phone": PHONE, "id": message_id, "all": "0"}
    inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in values.items())
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope"
        ' xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
        f'<ns0:status xmlns:ns0="http://smsc.ru/sys/soap.php">{inner}</ns0:status>'
        "</soap-env:Body></soap-env:Envelope>"
    ).encode()


def fields(reply: bytes) -> dict[str, str]:
    """The reply's fields, as the client reads them: every child of ``statusresult``."""
    result = etree.fromstring(reply).find(".//statusresult")
    if result is None:
        raise ValueError("no statusresult")
    return {child.tag: child.text or "" for child in result}


def approaches() -> dict[str, Callable[[str], object]]:
    # Waits are instant: every id is new, and the limits must not make this a benchmark of
    # sleeping.
    client = StatusClient("demo", "pw", clock=InstantClock())
    with_session = StatusClient("demo", "pw", session=requests.Session(), clock=InstantClock())
    raw = zeep.Client(io.BytesIO(shipped_wsdl("smsc.ru")), transport=zeep.Transport())
    service = raw.create_service(SERVICE, ENDPOINT)
    floor_session = requests.Session()
    floor_session.trust_env = False  # as the client's own: the environment read once

    def through_requests(message_id: str) -> object:
        reply = floor_session.post(ENDPOINT, data=envelope(message_id), headers=HEADERS)
        return fields(reply.content)

    def bare(message_id: str) -> object:
        envelope(message_id)
        return fields(REPLY)

    return {
        "client": lambda message_id: client.get_status(PHONE, message_id),
        "client, caller's session": lambda message_id: with_session.get_status(PHONE, message_id),
        "raw zeep": lambda message_id: service.get_status(
            login="demo", psw="pw", phone=PHONE, id=message_id, all="0"
        ),
        "floor through requests": through_requests,
        "bare floor": bare,
    }


def main(rounds: int, lookups: int) -> None:
    runs = approaches()
    per_lookup: dict[str, list[float]] = {name: [] for name in runs}
    ids = iter(range(10**9))
    for _ in range(rounds + 1):
        order = list(runs)
        random.shuffle(order)
        for name in order:
            run = runs[name]
            batch = [str(next(ids)) for _ in range(lookups)]
            started = time.process_time()
            for message_id in batch:
                run(message_id)
            per_lookup[name].append((time.process_time() - started) / lookups * 1e6)
    print(json.dumps({name: values[1:] for name, values in per_lookup.items()}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
