"""One contract, every transport: the same scenarios give the same results and the same errors
over SOAP (requests-mock), HTTP status.php (requests-mock), the in-package fake, and SMPP
(query_sm against the sandbox's SMPP server, over real sockets on 127.0.0.1)."""

from __future__ import annotations

import json
import struct
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol
from urllib.parse import parse_qs

import pytest
import requests_mock
from lxml import etree

from smsc_soap import (
    MOSCOW_TIME,
    AuthenticationError,
    DeleteError,
    FakeTransport,
    HTTPStatusError,
    InstantClock,
    InvalidParametersError,
    MalformedResponseError,
    MessageNotFoundError,
    MessageStatus,
    SmppStatusTransport,
    SmscError,
    SmsError,
    StatusClient,
    StatusCode,
    UnsupportedOperationError,
)
from smsc_soap.sandbox import BookMessage, MessageBook, SandboxApp
from smsc_soap.sandbox.smpp_server import SmppServer

from support.awaited_client import AwaitedClient
from support.soap_replies import ENDPOINT, PASSWORD, soap_reply

STATUS_URL = "https://smsc.ru/sys/status.php"
DELIVERED = {
    "status": "1",
    "last_date": "15.08.2021 20:27:22",
    "last_timestamp": "1629048442",
    "err": "0",
    "cost": "1.50",
    "message": "Привет & до свидания",
    "sms_cnt": "2",
}
FAILED = {"status": "20", "last_timestamp": "1629048442", "err": "6"}

# An answer: reply fields, a service error code, or an HTTP status with no SOAP/JSON answer.
Answer = dict[str, str] | int | tuple[str, int]


class Service(Protocol):
    name: str
    carries: frozenset[str] | None
    """The status fields its wire can carry; None: all of them."""
    deletes: bool

    def answer(self, phone: str, message_id: str, *answers: Answer) -> None: ...

    def client(self, **options: object) -> StatusClient: ...


# Every scenario runs on StatusClient and on AsyncStatusClient (its calls awaited).
Maker = Callable[..., object]


class MockedWire:
    """SOAP or HTTP over requests-mock: scripted answers rendered in that API's format."""

    carries = None

    def __init__(self, mocker: requests_mock.Mocker, name: str, make: Maker) -> None:
        self.name = name
        self.deletes = name == "http"
        self.make = make
        self.answers: defaultdict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self.deleted: set[tuple[str, str]] = set()
        url = ENDPOINT if name == "soap" else STATUS_URL
        mocker.post(url, content=self._reply)

    def answer(self, phone: str, message_id: str, *answers: Answer) -> None:
        self.answers[(phone, message_id)].extend(answers)

    def client(self, **options: object) -> StatusClient:
        return self.make(  # type: ignore[return-value]
            "demo",
            PASSWORD,
            transport=self.name,
            clock=InstantClock(),
            **options,  # type: ignore[arg-type]
        )

    def _next(self, phone: str, message_id: str) -> Answer:
        queue = self.answers.get((phone, message_id))
        if not queue:
            return 3
        return queue.popleft() if len(queue) > 1 else queue[0]

    def _reply(self, request: requests_mock.request._RequestObjectProxy, context: object) -> bytes:
        if self.name == "soap":
            root = etree.fromstring(request.body)
            asked = [(root.findtext(".//phone"), root.findtext(".//id"))]
            answers = [self._next(str(p), str(i)) for p, i in asked]
            return self._soap(answers[0], context)
        form = {k: v[0] for k, v in parse_qs(request.text).items()}
        assert form["fmt"] == "3"
        assert form["charset"] == "utf-8"
        phones, ids = form["phone"].rstrip(",").split(","), form["id"].rstrip(",").split(",")
        if form.get("del") == "1":
            key = (phones[0], ids[0])
            gone = key in self.deleted or key not in self.answers
            self.deleted.add(key)
            return json.dumps(
                {"error": "x", "error_code": 5} if gone else {"result": "OK"}
            ).encode()
        mass = form["id"].endswith(",")
        items = []
        for phone, message_id in zip(phones, ids, strict=True):
            answer = self._next(phone, message_id)
            if isinstance(answer, tuple):
                context.status_code = answer[1]  # type: ignore[attr-defined]
                return answer[0].encode()
            if isinstance(answer, int) and answer != 3:  # an error of the whole request
                return json.dumps({"error": "x", "error_code": answer}).encode()
            if isinstance(answer, int):
                item: dict[str, object] = {"status": -3}
            else:  # numbers as JSON numbers, as the service writes them
                item = {k: int(v) if v.lstrip("-").isdigit() else v for k, v in answer.items()}
            if mass:
                item |= {"id": message_id, "phone": phone}
            items.append(item)
        return json.dumps(items if mass else items[0], ensure_ascii=False).encode()

    @staticmethod
    def _soap(answer: Answer, context: object) -> bytes:
        if isinstance(answer, tuple):
            context.status_code = answer[1]  # type: ignore[attr-defined]
            return answer[0].encode()
        if isinstance(answer, int):
            return soap_reply([("error", str(answer))])
        return soap_reply(list(answer.items()))


class Faked:
    name = "fake"
    carries = None
    deletes = True

    def __init__(self, make: Maker) -> None:
        self.make = make
        self.transport = FakeTransport()

    def answer(self, phone: str, message_id: str, *answers: Answer) -> None:
        *scripted, final = answers
        for answer in scripted:
            self.transport.script(phone, message_id, _as_outcome(answer))
        if isinstance(final, dict):
            fields = dict(final)
            status, err = fields.pop("status"), fields.pop("err", "0")
            fields.pop("last_date", None)
            timestamp = int(fields.pop("last_timestamp", "1629048442"))
            self.transport.add(
                phone, message_id, status=status, err=err, last_timestamp=timestamp, **fields
            )
        else:
            for _ in range(10):
                self.transport.script(phone, message_id, _as_outcome(final))

    def client(self, **options: object) -> StatusClient:
        return self.make(  # type: ignore[return-value]
            "demo",
            PASSWORD,
            transport=self.transport,
            clock=InstantClock(),
            **options,  # type: ignore[arg-type]
        )


def _as_outcome(answer: Answer) -> SmscError | int | None:
    if isinstance(answer, tuple):
        return HTTPStatusError(answer[1], answer[0])
    if isinstance(answer, int):
        return answer
    raise AssertionError("a scripted answer before the last is an error")


# SMPP answers for the scripted service errors and failures: an error status, or the connection
# dropped instead of an answer (the transient failure a 503 is over HTTP).
ESME_RINVSRCADR, ESME_RTHROTTLED, ESME_RQUERYFAIL = 0x0A, 0x58, 0x67
SMPP_STATUSES = {1: ESME_RINVSRCADR, 3: ESME_RQUERYFAIL, 9: ESME_RTHROTTLED}
SENDER = "SMSC.RU"
T0 = 1629048442
SMPP_STATES = {"1": 2, "20": 5}  # DELIVERED: DELIVRD, UNDELIVERABLE: UNDELIV


class ScriptedSmppServer(SmppServer):
    """The sandbox's SMPP server, answering some queries from a script before its book: a
    message's scripted answers once each, then its lasting one, if any."""

    def __init__(
        self, app: SandboxApp, script: dict[str, deque[Answer]], lasting: dict[str, Answer]
    ) -> None:
        super().__init__(app)
        self.script = script
        self.lasting = lasting

    def reply_to_query(
        self, login: str, sequence: int, message_id: str, source_addr: str
    ) -> tuple[bytes, bool]:
        queue = self.script.get(message_id)
        answer = queue.popleft() if queue else self.lasting.get(message_id)
        if answer is None:
            return super().reply_to_query(login, sequence, message_id, source_addr)
        if isinstance(answer, tuple):
            return b"", True
        if isinstance(answer, int):
            return query_sm_resp(sequence, SMPP_STATUSES[answer]), False
        # A field no query_sm_resp can carry (a status that is no number): no SMPP state.
        body = message_id.encode() + b"\0\0" + bytes([99, 0])
        return query_sm_resp(sequence, 0, body), False


def query_sm_resp(sequence: int, status: int, body: bytes = b"") -> bytes:
    return struct.pack(">LLLL", 16 + len(body), 0x80000003, status, sequence) + body


class SmppSandbox:
    """SMPP against the sandbox: the answers' messages go in its book, errors in a script."""

    name = "smpp"
    carries = frozenset({"message_id", "phone", "status", "err", "last_date"})
    deletes = False

    def __init__(self, make: Maker) -> None:
        self.make = make
        self.messages: list[BookMessage] = []
        self.script: defaultdict[str, deque[Answer]] = defaultdict(deque)
        self.lasting: dict[str, Answer] = {}
        self.refuses_login = False
        self.servers: list[SmppServer] = []
        self.transports: list[SmppStatusTransport] = []

    def answer(self, phone: str, message_id: str, *answers: Answer) -> None:
        *scripted, final = answers
        self.script[message_id].extend(scripted)
        if final == 2:  # over SMPP the credentials are refused at the bind
            self.refuses_login = True
        elif isinstance(final, dict) and final["status"] in SMPP_STATES:
            self.messages.append(
                BookMessage(
                    id=message_id,
                    phone=phone,
                    status=int(final["status"]),
                    err=int(final.get("err", "0")),
                    sender_id=SENDER,
                    sent_ago=3600,
                    changed_after=int(final.get("last_timestamp", T0)) - T0,
                )
            )
        elif final != 3:  # 3: not in the book
            self.lasting[message_id] = final

    def client(self, **options: object) -> StatusClient:
        started = datetime.fromtimestamp(T0 + 3600, MOSCOW_TIME)
        app = SandboxApp(MessageBook(self.messages), started=started)
        self.servers.append(ScriptedSmppServer(app, self.script, self.lasting).start())
        transport = SmppStatusTransport(
            host="127.0.0.1", port=self.servers[-1].port, source_addr=SENDER, timeout=5
        )
        self.transports.append(transport)
        return self.make(  # type: ignore[return-value]
            "demo",
            "wrong" if self.refuses_login else "demo",
            transport=transport,
            clock=InstantClock(),
            **options,  # type: ignore[arg-type]
        )

    def close(self) -> None:
        for transport in self.transports:
            transport.close()
        for server in self.servers:
            server.close()


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Maker]:
    if request.param == "sync":
        yield StatusClient
        return
    made: list[AwaitedClient] = []

    def awaited(*args: object, **options: object) -> AwaitedClient:
        made.append(AwaitedClient(*args, **options))
        return made[-1]

    yield awaited
    for client in made:
        client.close()


@pytest.fixture(params=["soap", "http", "fake", "smpp"])
def service(request: pytest.FixtureRequest, make: Maker) -> Iterator[Service]:
    if request.param == "fake":
        yield Faked(make)
        return
    if request.param == "smpp":
        smpp = SmppSandbox(make)
        yield smpp
        smpp.close()
        return
    with requests_mock.Mocker() as mocker:
        yield MockedWire(mocker, request.param, make)


# The service writes dates in Moscow time, UTC+3; 1629048442 is 15.08.2021 20:27:22 there.
MOSCOW = timezone(timedelta(hours=3))


def delivered_status(message_id: str) -> dict[str, object]:
    """What every transport must give for DELIVERED, ignoring how each spells extras."""
    return {
        "message_id": message_id,
        "phone": "79991234567",
        "status": 1,
        "err": 0,
        "last_date": datetime(2021, 8, 15, 20, 27, 22, tzinfo=MOSCOW),
        "send_date": None,
        "cost": Decimal("1.50"),
        "sender_id": None,
        "status_name": None,
        "message": "Привет & до свидания",
        "comment": None,
        "message_type": None,
        "sms_cnt": 2,
        "flag": None,
        "mccmnc": None,
        "country": None,
        "operator": None,
        "operator_orig": None,
        "region": None,
        "hlr": None,
    }


def failed_status(message_id: str) -> dict[str, object]:
    """What every transport must give for FAILED."""
    return {
        "message_id": message_id,
        "phone": "79991234567",
        "status": 20,
        "err": 6,
        "last_date": datetime(2021, 8, 15, 20, 27, 22, tzinfo=MOSCOW),
        "send_date": None,
        "cost": None,
        "sender_id": None,
        "status_name": None,
        "message": None,
        "comment": None,
        "message_type": None,
        "sms_cnt": None,
        "flag": None,
        "mccmnc": None,
        "country": None,
        "operator": None,
        "operator_orig": None,
        "region": None,
        "hlr": None,
    }


def comparable(status: MessageStatus) -> dict[str, object]:
    return status.model_dump(exclude={"extra"})


def carried(service: Service, expected: dict[str, object]) -> dict[str, object]:
    """``expected`` as far as the service's wire carries it; None for the rest."""
    if service.carries is None:
        return expected
    return {name: value if name in service.carries else None for name, value in expected.items()}


def test_a_delivered_message_reads_the_same(service: Service) -> None:
    service.answer("79991234567", "1", DELIVERED)

    status = service.client().get_status("79991234567", "1", all=1)

    assert comparable(status) == carried(service, delivered_status("1"))
    assert status.status is StatusCode.DELIVERED
    assert status.err is SmsError.NO_ERROR
    if service.carries is None:  # Decimal("1.5") would compare equal: the digits count
        assert str(status.cost) == "1.50"
    assert status.last_date is not None
    assert status.last_date.isoformat() == "2021-08-15T20:27:22+03:00"


def test_an_unknown_message_is_not_found(service: Service) -> None:
    with pytest.raises(MessageNotFoundError) as caught:
        service.client().get_status("79991234567", "404")
    assert caught.value.from_service


@pytest.mark.parametrize(
    ("code", "raised"), [(1, InvalidParametersError), (2, AuthenticationError)]
)
def test_service_errors_are_the_same_errors(
    service: Service, code: int, raised: type[SmscError]
) -> None:
    service.answer("79991234567", "1", code)

    with pytest.raises(raised) as caught:
        service.client().get_status("79991234567", "1")
    assert caught.value.attempts == 1


def test_error_9_is_waited_out_and_retried(service: Service) -> None:
    service.answer("79991234567", "1", 9, FAILED)

    status = service.client().get_status("79991234567", "1")

    assert comparable(status) == carried(service, failed_status("1"))
    assert status.status is StatusCode.UNDELIVERABLE


def test_a_503_is_retried(service: Service) -> None:
    service.answer("79991234567", "1", ("busy", 503), DELIVERED)

    assert service.client().get_status("79991234567", "1").is_delivered


def test_a_broken_field_is_malformed(service: Service) -> None:
    service.answer("79991234567", "1", {**DELIVERED, "status": "delivered"})

    with pytest.raises(MalformedResponseError, match="status"):
        service.client().get_status("79991234567", "1")


def test_a_batch_streams_and_survives_failing_items(service: Service) -> None:
    for n in (1, 2, 3, 4, 7):
        service.answer("79991234567", str(n), FAILED if n % 2 else DELIVERED)
    service.answer("79991234567", "6", {**DELIVERED, "status": "x"})
    refs = [("79991234567", str(n)) for n in range(1, 8)] + [("x", "1")]

    results = list(service.client().get_statuses(refs, mass_size=4))

    by_id = {(r.phone, r.message_id): r for r in results}
    assert len(results) == len(refs)
    assert set(by_id) == set(refs)
    for n in (1, 3, 7):
        status = by_id[("79991234567", str(n))].status
        assert status is not None
        assert comparable(status) == carried(service, failed_status(str(n)))
        assert status.status is StatusCode.UNDELIVERABLE
        assert status.err is SmsError.SUBSCRIBER_OFFLINE
    for n in (2, 4):
        status = by_id[("79991234567", str(n))].status
        assert status is not None
        assert comparable(status) == carried(service, delivered_status(str(n)))
        assert status.status is StatusCode.DELIVERED
        assert status.err is SmsError.NO_ERROR
    assert isinstance(by_id[("79991234567", "5")].error, MessageNotFoundError)
    assert isinstance(by_id[("79991234567", "6")].error, MalformedResponseError)
    assert isinstance(by_id[("x", "1")].error, InvalidParametersError)


def test_an_authentication_error_ends_a_batch(service: Service) -> None:
    for n in range(1, 40):
        service.answer("79991234567", str(n), 2)
    refs = (("79991234567", str(n)) for n in range(1, 40))

    with pytest.raises(AuthenticationError):
        for _ in service.client().get_statuses(refs, mass_size=10):
            pass


def test_deletion_where_the_transport_has_it(service: Service) -> None:
    service.answer("79991234567", "1", DELIVERED)
    client = service.client()

    if not service.deletes:
        with pytest.raises(UnsupportedOperationError):
            client.delete("79991234567", "1")
        return
    client.delete("79991234567", "1")
    with pytest.raises(DeleteError) as caught:
        client.delete("79991234567", "1")
    assert caught.value.attempts == 1
