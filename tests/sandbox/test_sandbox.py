"""The client against the sandbox over real sockets on 127.0.0.1, and zeep driven directly."""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import zeep
import zeep.exceptions

from smsc_soap import (
    AuthenticationError,
    ConnectionFailedError,
    HTTPStatusError,
    MalformedResponseError,
    MessageNotFoundError,
    MessageStatus,
    MessageType,
    RateLimitError,
    RetryPolicy,
    SoapFaultError,
    StatusClient,
    StatusCode,
)
from smsc_soap.sandbox import (
    BookError,
    BookMessage,
    MessageBook,
    Sandbox,
    SandboxApp,
    SandboxOptions,
    default_book,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StartSandbox = Callable[..., Sandbox]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def start_sandbox(clock: FakeClock) -> Iterator[StartSandbox]:
    running: list[Sandbox] = []

    def start(book: MessageBook | None = None, **options: object) -> Sandbox:
        app = SandboxApp(book or default_book(), SandboxOptions(**options), clock=clock, seed=1)  # type: ignore[arg-type]
        running.append(Sandbox(app).start())
        return running[-1]

    yield start
    for sandbox in running:
        sandbox.stop()


def client_for(sandbox: Sandbox, password: str = "demo") -> StatusClient:
    """A client that sends each request once, so the sandbox's own answers show."""
    return StatusClient(
        "demo",
        password,
        endpoint=sandbox.soap_endpoint,
        allow_insecure_http=True,
        timeout=5,
        retry=RetryPolicy.disabled(),
    )


def book_of(*messages: BookMessage) -> MessageBook:
    return MessageBook(messages)


DELIVERED = BookMessage(id="1", phone="79990000001", status=1, message="Привет", sms_cnt=2)


def test_every_book_message_reads_back_as_written(start_sandbox: StartSandbox) -> None:
    book = default_book()
    client = client_for(start_sandbox(book))

    for message in book:
        result = client.get_status(message.phone, message.id, all=1)
        assert (result.status, result.err, result.message_id) == (
            message.status,
            message.err,
            message.id,
        )
        assert result.message == (message.message or None)
        assert result.extra["sms_cnt"] == str(message.sms_cnt)
        assert (result.hlr is not None) == (message.type == MessageType.HLR)
    # every documented status but -3 (not found), which no stored message can have
    assert {int(m.status) for m in book} == {-2, -1, 0, 1, 2, 3, 4, 20, 22, 23, 24, 25}


def test_all_levels(start_sandbox: StartSandbox) -> None:
    message = BookMessage(id="7", phone="79990000007", status=1, operator="МТС", region="Москва")
    client = client_for(start_sandbox(book_of(message)))

    plain = client.get_status(message.phone, message.id)
    full = client.get_status(message.phone, message.id, all=1)
    regional = client.get_status(message.phone, message.id, all=2)

    assert (plain.send_date, plain.extra) == (None, {})
    assert full.send_date is not None
    assert full.operator is None
    assert (regional.operator, regional.region) == ("МТС", "Москва")


def test_service_errors(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED))

    with pytest.raises(AuthenticationError):
        client_for(sandbox, password="wrong").get_status(DELIVERED.phone, DELIVERED.id)
    with pytest.raises(MessageNotFoundError):
        client_for(sandbox).get_status(DELIVERED.phone, "404")

    missing_phone = (
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        '<n:status xmlns:n="http://smsc.ru/sys/soap.php"><login>demo</login><psw>demo</psw>'
        "<id>1</id></n:status></e:Body></e:Envelope>"
    )
    reply = requests.post(sandbox.soap_endpoint, data=missing_phone, timeout=5)
    assert b"<error>1</error>" in reply.content


def test_more_than_five_lookups_of_one_message_a_minute(
    start_sandbox: StartSandbox, clock: FakeClock
) -> None:
    sandbox = start_sandbox(book_of(DELIVERED))
    # A new client each time, so that no client's own limit holds the sixth lookup back.
    for _ in range(5):
        client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id)
    with pytest.raises(RateLimitError) as caught:
        client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id)
    assert caught.value.from_service

    clock.advance(61)
    status = client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id)
    assert status.status is StatusCode.DELIVERED


@pytest.mark.slow
@pytest.mark.parametrize(("concurrent", "refused"), [(4, 0), (5, 1)])
def test_five_concurrent_requests_on_one_login(
    start_sandbox: StartSandbox, concurrent: int, refused: int
) -> None:
    book = book_of(*(BookMessage(id=str(n), phone="79990000001", status=1) for n in range(9)))
    sandbox = start_sandbox(book, latency_ms=600)  # long enough for all of them to overlap
    start = threading.Barrier(concurrent, timeout=10)

    def look_up(message_id: str) -> MessageStatus | RateLimitError:
        """The status, or the refusal; any other error reaches the test through the future."""
        start.wait()
        try:
            return client_for(sandbox).get_status("79990000001", message_id)
        except RateLimitError as error:
            return error

    with ThreadPoolExecutor(max_workers=concurrent) as pool:
        futures = [pool.submit(look_up, str(n)) for n in range(concurrent)]
        outcomes = [future.result(timeout=30) for future in futures]

    refusals = [o for o in outcomes if isinstance(o, RateLimitError)]
    statuses = [o for o in outcomes if isinstance(o, MessageStatus)]
    assert len(refusals) == refused
    assert all(refusal.from_service for refusal in refusals)
    assert len(statuses) == concurrent - refused
    assert all(status.status is StatusCode.DELIVERED for status in statuses)


def test_messages_move_on_as_time_passes(start_sandbox: StartSandbox, clock: FakeClock) -> None:
    moving = BookMessage(id="5", phone="79990000005", status=0, then_status=1, then_after=5)
    client = client_for(start_sandbox(book_of(moving)))

    before = client.get_status(moving.phone, moving.id)
    clock.advance(6)
    after = client.get_status(moving.phone, moving.id)

    assert (before.is_pending, after.is_delivered) == (True, True)
    assert before.last_date is not None
    assert after.last_date is not None
    assert after.last_date > before.last_date


def test_windows_1251_replies(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED), soap_charset="windows-1251")

    result = client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id, all=1)

    assert (result.message, result.status_name) == ("Привет", "Доставлено")


@pytest.mark.parametrize("position", ["start", "middle", "end"])
def test_undeclared_fields_anywhere(start_sandbox: StartSandbox, position: str) -> None:
    undeclared = (("flag", "0"), ("mccmnc", "25001"))
    sandbox = start_sandbox(book_of(DELIVERED), undeclared=undeclared, undeclared_at=position)

    result = client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id, all=1)

    assert result.extra == {"flag": "0", "mccmnc": "25001", "sms_cnt": "2"}
    assert (result.status, result.message, result.cost) == (1, "Привет", 0)
    assert result.last_date is not None
    assert result.send_date is not None


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http_500", HTTPStatusError),
        ("soap_fault", SoapFaultError),
        ("truncated", MalformedResponseError),
        ("reset", ConnectionFailedError),
    ],
)
def test_faults(start_sandbox: StartSandbox, fault: str, error: type[Exception]) -> None:
    sandbox = start_sandbox(book_of(DELIVERED), faults={DELIVERED.id: fault})

    with pytest.raises(error):
        client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id)


def test_faults_by_rate(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED), fault_rate=1.0, fault_kind="http_500")

    with pytest.raises(HTTPStatusError):
        client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id)


def test_zeep_driven_directly_with_the_served_wsdl(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED))

    service = zeep.Client(f"{sandbox.soap_endpoint}?wsdl").service
    reply = service.get_status(login="demo", psw="demo", phone=DELIVERED.phone, id="1", all="0")

    assert (reply.status, reply.err) == ("1", "0")


def test_zeep_trips_over_undeclared_fields_where_the_client_does_not(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(book_of(DELIVERED), undeclared=(("flag", "0"),), undeclared_at="start")
    service = zeep.Client(f"{sandbox.soap_endpoint}?wsdl").service

    with pytest.raises(zeep.exceptions.XMLParseError):
        service.get_status(login="demo", psw="demo", phone=DELIVERED.phone, id="1", all="0")
    assert client_for(sandbox).get_status(DELIVERED.phone, DELIVERED.id).extra == {"flag": "0"}


def status_php(sandbox: Sandbox, **params: str) -> requests.Response:
    return requests.post(
        sandbox.status_endpoint, data={"login": "demo", "psw": "demo", **params}, timeout=5
    )


def test_status_php_formats(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED))
    one = {"phone": DELIVERED.phone, "id": DELIVERED.id}

    assert status_php(sandbox, **one).text.startswith("Status = 1, check_time = ")
    assert status_php(sandbox, **one, fmt="1").text.startswith("1,")
    assert status_php(sandbox, **one, fmt="2").text.startswith("<sms><status>1</status>")
    as_json = status_php(sandbox, **one, fmt="3", all="1", charset="utf-8").json()
    assert (as_json["status"], as_json["message"], as_json["sms_cnt"]) == (1, "Привет", 2)


def test_status_php_answers_windows_1251_unless_asked(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(book_of(DELIVERED))

    reply = status_php(sandbox, phone=DELIVERED.phone, id=DELIVERED.id, fmt="3", all="1")

    assert reply.headers["Content-Type"] == "application/json; charset=windows-1251"
    assert "Привет".encode("windows-1251") in reply.content


def test_status_php_mass_request_deletion_and_errors(start_sandbox: StartSandbox) -> None:
    other = BookMessage(id="2", phone="79990000002", status=20, err=1)
    sandbox = start_sandbox(book_of(DELIVERED, other))
    ids = {"phone": "79990000001,79990000002,79990000009", "id": "1,2,9", "fmt": "3"}

    items = status_php(sandbox, **ids).json()
    assert [(item["id"], item["status"]) for item in items] == [("1", 1), ("2", 20), ("9", -3)]
    assert status_php(sandbox, **ids).json()["error_code"] == 9  # one mass request a minute

    assert status_php(sandbox, phone=other.phone, id="2", fmt="3", **{"del": "1"}).json() == {
        "result": "OK"
    }
    assert status_php(sandbox, phone=other.phone, id="2", fmt="3").json()["status"] == -3
    assert status_php(sandbox, phone=other.phone, id="2", fmt="0", psw="x").text.startswith(
        "ERROR = 2"
    )


def test_the_book_round_trips_through_csv(tmp_path: Path) -> None:
    written = default_book()
    path = tmp_path / "book.csv"
    path.write_text(written.to_csv(), encoding="utf-8")

    assert list(MessageBook.from_csv(path)) == list(written)


def test_a_bad_book_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("id,phone,status\n1,79990000001,1\n2,79990000002,late\n", encoding="utf-8")

    with pytest.raises(BookError, match=r"line 3: column 'status' holds 'late'"):
        MessageBook.from_csv(path)


@pytest.mark.parametrize(
    ("encoding", "mark"),
    [
        ("cp1251", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-le", b""),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
    ids=["cp1251", "utf-8-bom", "utf-16-bom", "utf-16", "utf-32-bom"],
)
def test_a_book_saved_by_windows_programs_is_read(
    tmp_path: Path, encoding: str, mark: bytes
) -> None:
    path = tmp_path / "book.csv"
    text = "id,phone,status,message\r\n1,+7 (999) 000-10-04,1,Привет\r\n"
    path.write_bytes(mark + text.encode(encoding))

    (message,) = MessageBook.from_csv(path)

    assert (message.id, message.message) == ("1", "Привет")


def test_the_book_finds_a_phone_in_every_form_people_write_it() -> None:
    book = MessageBook([BookMessage(id="1", phone="79990001004", status=1)])

    for written in ("79990001004", "+7 (999) 000-10-04", "8 (999) 000-10-04", "7-999-000-10-04"):
        assert book.find(written, "1") is not None, written
    assert book.find("9990001004", "1") is None  # ten digits: no country, no guess


def test_a_message_is_counted_once_however_its_phone_is_written(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(book_of(DELIVERED), enforce_limits=True)
    digits = DELIVERED.phone[1:]
    written = [f"+7{digits}", f"8{digits}", f"+7 ({digits[:3]}) {digits[3:]}", f"8 {digits}"]
    written += [DELIVERED.phone]

    for phone in written:  # five lookups of one message in a minute: allowed
        assert status_php(sandbox, phone=phone, id=DELIVERED.id, fmt="3").json()["status"] == 1
    sixth = status_php(sandbox, phone=DELIVERED.phone, id=DELIVERED.id, fmt="3").json()
    assert sixth["error_code"] == 9
