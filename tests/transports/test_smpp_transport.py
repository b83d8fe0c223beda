"""SmppStatusTransport over real sockets on 127.0.0.1: against the sandbox's SMPP server and
scripted SMPP servers. One session shared and kept alive, bound again after it broke, answers
matched to their own requests, and every failure typed."""

from __future__ import annotations

import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from smsc_soap import (
    MOSCOW_TIME,
    AuthenticationError,
    ConnectionFailedError,
    Credentials,
    InstantClock,
    InvalidParametersError,
    MalformedResponseError,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    SmppStatusTransport,
    StatusClient,
    StatusCode,
    StatusRequest,
    TransportError,
    UnsupportedOperationError,
    parse_receipt,
)
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions
from smsc_soap.sandbox.smpp_server import SmppServer

from support.smpp_peer import (
    DELIVER_SM,
    ENQUIRE_LINK,
    QUERY_SM,
    RESPONSE,
    UNBIND,
    ScriptedSmsc,
    pdu,
    query_sm_resp,
)

PHONE = "79991234567"
SENDER = "SMSC.RU"
DEMO = Credentials.of("demo", "demo")
# Each message its own status and err, so that an answer meant for another one shows.
STATUSES = (StatusCode.DELIVERED, StatusCode.UNDELIVERABLE, StatusCode.EXPIRED)
BOOK = [
    BookMessage(
        id=str(n), phone=PHONE, status=STATUSES[n % 3], err=n, sender_id=SENDER, changed_after=n
    )
    for n in range(1, 101)
]


pytestmark = pytest.mark.sandbox(lambda: BOOK, smpp_port=0, enforce_limits=False)


def request(message_id: str) -> StatusRequest:
    return StatusRequest.build("get_status", PHONE, message_id, 0)


def transport_to(port: int, **options: object) -> SmppStatusTransport:
    return SmppStatusTransport(
        host="127.0.0.1",
        port=port,
        source_addr=SENDER,
        timeout=5,
        **options,  # type: ignore[arg-type]
    )


def client_of(transport: SmppStatusTransport, password: str = "demo") -> StatusClient:
    return StatusClient(
        "demo", password, transport=transport, clock=InstantClock(), retry=RetryPolicy.disabled()
    )


def smpp_port(sandbox: Sandbox) -> int:
    assert sandbox.smpp is not None
    return int(sandbox.smpp.port)


def binds(sandbox: Sandbox) -> int:
    assert sandbox.smpp is not None
    return sandbox.smpp.binds


def expected_err(message_id: str) -> int:
    return int(message_id)


# --- the state table ---------------------------------------------------------------------


@pytest.mark.parametrize("state", range(1, 9))
def test_a_queried_state_reads_as_the_same_state_in_a_receipt(state: int) -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return query_sm_resp(sequence, state, final_date="210815202722012+", error_code=6)

    with ScriptedSmsc(answer) as smsc, client_of(transport_to(smsc.port)) as client:
        status = client.get_status(PHONE, "1")

    receipt = parse_receipt("id:1 err:006", {0x0427: state}, phone=PHONE)
    assert status.status is receipt.status
    assert status.err == receipt.err == 6
    assert status.last_date == datetime(2021, 8, 15, 20, 27, 22, tzinfo=MOSCOW_TIME)


@pytest.mark.parametrize(
    ("final_date", "moscow_time"),
    [
        ("210815172722000+", datetime(2021, 8, 15, 20, 27, 22)),  # UTC
        ("210815202722912+", datetime(2021, 8, 15, 20, 27, 22, 900_000)),  # tenths
        ("210815232722024+", datetime(2021, 8, 15, 20, 27, 22)),  # UTC+6
        ("210815132722016-", datetime(2021, 8, 15, 20, 27, 22)),  # UTC-4
        ("211231235959900-", datetime(2022, 1, 1, 2, 59, 59, 900_000)),  # past new year in Moscow
    ],
)
def test_final_dates_are_read_with_their_offset(final_date: str, moscow_time: datetime) -> None:
    from smsc_soap.smpp.absolute_time import read_absolute_time

    assert read_absolute_time(final_date) == moscow_time.replace(tzinfo=MOSCOW_TIME)


@pytest.mark.parametrize(
    "final_date",
    [
        "21081520272201+",  # a digit short
        "210815202722049+",  # 49 quarter hours: no such offset
        "210231202722012+",  # 31 February
        "000000010000000R",  # a relative time
        "2108152027220120",
    ],
)
def test_a_final_date_that_is_no_absolute_time_is_malformed(final_date: str) -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return query_sm_resp(sequence, 2, final_date=final_date)

    with (
        ScriptedSmsc(answer) as smsc,
        client_of(transport_to(smsc.port)) as client,
        pytest.raises(MalformedResponseError, match="final_date"),
    ):
        client.get_status(PHONE, "1")


def test_a_pending_message_has_no_final_date(sandbox: Sandbox) -> None:
    app = SandboxApp(MessageBook([BookMessage(id="7", phone=PHONE, status=0, sender_id=SENDER)]))
    with Sandbox(app, smpp_port=0) as pending, client_of(transport_to(smpp_port(pending))) as c:
        status = c.get_status(PHONE, "7")

    assert status.status is StatusCode.TRANSFERRED
    assert status.last_date is None
    assert status.extra == {"message_state": "ENROUTE"}


# --- one session: shared, matched, kept alive, bound again ----------------------------------


def test_lookups_share_one_bound_session(sandbox: Sandbox) -> None:
    with client_of(transport_to(smpp_port(sandbox))) as client:
        statuses = [client.get_status(PHONE, str(n)) for n in (1, 2, 3)]

    assert [s.status for s in statuses] == [STATUSES[1], STATUSES[2], STATUSES[0]]
    assert [s.err for s in statuses] == [1, 2, 3]
    assert binds(sandbox) == 1


def test_four_threads_sharing_one_transport_each_get_their_own_answers(sandbox: Sandbox) -> None:
    transport = transport_to(smpp_port(sandbox))

    def look_up(first: int) -> list[tuple[str, str, str]]:
        mismatches = []
        for n in range(first, 101, 4):
            fields = transport.fetch(DEMO, request(str(n)), timeout=5)
            if (fields["status"], fields["err"]) != (str(int(STATUSES[n % 3])), str(n)):
                mismatches.append((str(n), fields["status"], fields["err"]))
        return mismatches

    try:
        with ThreadPoolExecutor(4) as pool:
            found = list(pool.map(look_up, range(1, 5)))
    finally:
        transport.close()

    assert found == [[], [], [], []]
    assert binds(sandbox) == 1


class OvertakingServer(SmppServer):
    """Holds the answers to four queries until all four are in, then sends them last first."""

    def __init__(self, app: SandboxApp) -> None:
        super().__init__(app)
        self.arrived: list[bytes] = []
        self.condition = threading.Condition()

    def reply_to_query(
        self, login: str, sequence: int, message_id: str, source_addr: str
    ) -> tuple[bytes, bool]:
        reply, _ = super().reply_to_query(login, sequence, message_id, source_addr)
        with self.condition:
            self.arrived.append(reply)
            self.condition.notify_all()
            if not self.condition.wait_for(lambda: len(self.arrived) >= 4, timeout=5):
                return b"", True
            if len(self.arrived) == 4 and reply is self.arrived[-1]:
                return b"".join(reversed(self.arrived)), False
        return b"", False  # the last to arrive sends them all


def test_answers_that_overtake_each_other_reach_their_own_threads() -> None:
    server = OvertakingServer(SandboxApp(MessageBook(BOOK), SandboxOptions(enforce_limits=False)))
    transport = transport_to(server.start().port)
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(
                    lambda n: transport.fetch(DEMO, request(str(n)), timeout=5), (10, 11, 12, 13)
                )
            )
    finally:
        transport.close()
        server.close()

    assert [answer["err"] for answer in answers] == ["10", "11", "12", "13"]
    assert server.binds == 1


def test_a_dropped_connection_mid_query_is_typed_and_the_next_lookup_binds_again() -> None:
    app = SandboxApp(MessageBook(BOOK), SandboxOptions(enforce_limits=False, faults={"2": "reset"}))
    with Sandbox(app, smpp_port=0) as sandbox, client_of(transport_to(smpp_port(sandbox))) as c:
        assert c.get_status(PHONE, "1").err == 1
        with pytest.raises(ConnectionFailedError, match="closed"):
            c.get_status(PHONE, "2")
        assert c.get_status(PHONE, "3").err == 3

        assert binds(sandbox) == 2


def test_a_connection_dropped_in_the_middle_of_an_answer_is_typed() -> None:
    app = SandboxApp(
        MessageBook(BOOK), SandboxOptions(enforce_limits=False, faults={"2": "truncated"})
    )
    with Sandbox(app, smpp_port=0) as sandbox, client_of(transport_to(smpp_port(sandbox))) as c:
        with pytest.raises(ConnectionFailedError, match="middle of a PDU"):
            c.get_status(PHONE, "2")
        assert c.get_status(PHONE, "1").err == 1


def test_enquire_link_keeps_a_quiet_session_alive() -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        if command_id == ENQUIRE_LINK:
            return pdu(ENQUIRE_LINK | RESPONSE, sequence)
        return query_sm_resp(sequence, 2)

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port, enquire_link_interval=0.05)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)
            until = time.monotonic() + 5
            while smsc.received_of(ENQUIRE_LINK) < 3 and time.monotonic() < until:
                time.sleep(0.01)
            transport.fetch(DEMO, request("1"), timeout=5)
        finally:
            transport.close()

        assert smsc.received_of(ENQUIRE_LINK) >= 3
        assert smsc.binds == 1


def test_an_unanswered_enquire_link_ends_the_session_and_the_next_lookup_binds_again() -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return b"" if command_id == ENQUIRE_LINK else query_sm_resp(sequence, 2)

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port, enquire_link_interval=0.05)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)
            until = time.monotonic() + 5
            while smsc.conversations < 1 and time.monotonic() < until:
                time.sleep(0.01)  # until the transport gives the session up
            assert smsc.received_of(ENQUIRE_LINK) == 1
            assert transport.fetch(DEMO, request("1"), timeout=5)["status"] == "1"
        finally:
            transport.close()

        assert smsc.binds == 2


def test_the_server_ending_the_session_is_followed_by_a_new_bind() -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return query_sm_resp(sequence, 2) + pdu(UNBIND, 99)

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port)
        try:
            for ended in range(3):
                assert transport.fetch(DEMO, request("1"), timeout=5)["status"] == "1"
                until = time.monotonic() + 5
                while smsc.received_of(UNBIND | RESPONSE) <= ended:
                    assert time.monotonic() < until
                    time.sleep(0.01)
        finally:
            transport.close()

        assert smsc.binds == 3
        assert smsc.received_of(UNBIND | RESPONSE) == 3


def test_close_unbinds() -> None:
    with ScriptedSmsc(lambda command_id, sequence, body: query_sm_resp(sequence, 2)) as smsc:
        transport = transport_to(smsc.port)
        transport.fetch(DEMO, request("1"), timeout=5)
        transport.close()

        assert [command_id for command_id, _ in smsc.received][-1] == UNBIND


def test_a_closed_transport_refuses_lookups_and_binds_no_more() -> None:
    with ScriptedSmsc(lambda command_id, sequence, body: query_sm_resp(sequence, 2)) as smsc:
        transport = transport_to(smsc.port)
        transport.fetch(DEMO, request("1"), timeout=5)
        transport.close()
        with pytest.raises(TransportError, match="closed") as caught:
            transport.fetch(DEMO, request("1"), timeout=5)

        assert type(caught.value) is TransportError  # not a ConnectionFailedError: no retry
        assert smsc.binds == 1
        assert smsc.received_of(QUERY_SM) == 1


def test_a_bind_under_way_when_the_transport_closes_is_unbound() -> None:
    connected = threading.Event()
    release_bind = threading.Event()

    class SlowToBind(ScriptedSmsc):
        def _converse(self, connection: socket.socket) -> None:
            connected.set()
            release_bind.wait(5)  # the lookup binding holds the transport's lock meanwhile
            super()._converse(connection)

    with SlowToBind(lambda command_id, sequence, body: query_sm_resp(sequence, 2)) as smsc:
        transport = transport_to(smsc.port)
        with ThreadPoolExecutor(2) as pool:
            binding = pool.submit(transport.fetch, DEMO, request("1"), timeout=5)
            assert connected.wait(5)
            closing = pool.submit(transport.close)
            release_bind.set()
            closing.result()
            binding.exception()  # answered or not: the session is what matters
        with pytest.raises(TransportError, match="closed"):
            transport.fetch(DEMO, request("1"), timeout=5)

        assert smsc.binds == 1
        assert smsc.received_of(UNBIND) == 1


def test_another_login_on_the_same_transport_binds_a_session_of_its_own() -> None:
    with ScriptedSmsc(lambda command_id, sequence, body: query_sm_resp(sequence, 2)) as smsc:
        transport = transport_to(smsc.port)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)
            transport.fetch(Credentials.of("other", "secret"), request("1"), timeout=5)
            transport.fetch(Credentials.of("other", "secret"), request("1"), timeout=5)
        finally:
            transport.close()

        assert smsc.bound_as == ["demo", "other"]
        assert smsc.received_of(UNBIND) == 2  # demo's session when other bound, then other's


def test_no_time_left_after_the_bind_sends_no_query() -> None:
    with ScriptedSmsc(lambda command_id, sequence, body: query_sm_resp(sequence, 2)) as smsc:
        transport = transport_to(smsc.port)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)
            with pytest.raises(RequestTimeoutError, match="before the request was sent"):
                transport.fetch(DEMO, request("2"), timeout=0)
        finally:
            transport.close()

        assert smsc.received_of(QUERY_SM) == 1


def test_a_reader_ended_by_an_unexpected_error_fails_the_session_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smsc_soap.smpp import session as smpp_session

    unexpected: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: unexpected.append(args.exc_value))

    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return query_sm_resp(sequence, 2)

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)

            def broken(raw: bytes) -> tuple[int, int, int]:
                raise RuntimeError("a bug in the reader")

            with monkeypatch.context() as patch:
                patch.setattr(smpp_session, "header_of", broken)
                with pytest.raises(ConnectionFailedError, match="reader stopped"):
                    transport.fetch(DEMO, request("1"), timeout=3)
            assert transport.fetch(DEMO, request("1"), timeout=5)["status"] == "1"
        finally:
            transport.close()

        assert smsc.binds == 2
    assert [type(error) for error in unexpected] == [RuntimeError]


def test_an_answer_that_does_not_come_times_out_within_the_call() -> None:
    with ScriptedSmsc(lambda command_id, sequence, body: b"") as smsc:
        transport = transport_to(smsc.port)
        started = time.monotonic()
        try:
            with pytest.raises(RequestTimeoutError):
                transport.fetch(DEMO, request("1"), timeout=0.2)
        finally:
            transport.close()

        assert time.monotonic() - started < 2


# --- errors --------------------------------------------------------------------------------


def test_wrong_credentials_are_refused_after_exactly_one_bind(sandbox: Sandbox) -> None:
    with client_of(transport_to(smpp_port(sandbox)), password="wrong") as client:

        def look_up(n: int) -> BaseException | None:
            try:
                client.get_status(PHONE, str(n))
            except AuthenticationError as error:
                return error
            return None

        with ThreadPoolExecutor(4) as pool:
            errors = list(pool.map(look_up, range(1, 9)))

    refusals = [error for error in errors if isinstance(error, AuthenticationError)]
    assert len(refusals) == len(errors)
    assert sum(error.from_service for error in refusals) == 1  # the others: the lockout's
    assert binds(sandbox) == 1


@pytest.mark.parametrize(
    ("bind_status", "raised"),
    [
        (0x0D, AuthenticationError),  # ESME_RBINDFAIL
        (0x0E, AuthenticationError),  # ESME_RINVPASWD
        (0x0F, AuthenticationError),  # ESME_RINVSYSID
        (0x58, RateLimitError),  # ESME_RTHROTTLED: too many sessions
    ],
)
def test_a_refused_bind_is_the_services_error(bind_status: int, raised: type[Exception]) -> None:
    with (
        ScriptedSmsc(lambda *_: None, bind_status=bind_status) as smsc,
        client_of(transport_to(smsc.port)) as client,
        pytest.raises(raised) as caught,
    ):
        client.get_status(PHONE, "1")
    assert caught.value.from_service  # type: ignore[attr-defined]


def test_a_bind_refused_for_another_reason_is_a_transport_error() -> None:
    with (
        ScriptedSmsc(lambda *_: None, bind_status=0x08) as smsc,  # ESME_RSYSERR
        client_of(transport_to(smsc.port)) as client,
        pytest.raises(TransportError, match="0x00000008") as caught,
    ):
        client.get_status(PHONE, "1")
    assert type(caught.value) is TransportError


@pytest.mark.parametrize(
    ("status", "raised"),
    [
        (0x0C, MessageNotFoundError),  # ESME_RINVMSGID
        (0x67, MessageNotFoundError),  # ESME_RQUERYFAIL
        (0x0A, InvalidParametersError),  # ESME_RINVSRCADR
        (0x58, RateLimitError),  # ESME_RTHROTTLED
    ],
)
def test_a_query_answered_with_an_error_status_is_the_services_error(
    status: int, raised: type[Exception]
) -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return pdu(0x80000003, sequence, b"", status)

    with (
        ScriptedSmsc(answer) as smsc,
        client_of(transport_to(smsc.port)) as client,
        pytest.raises(raised) as caught,
    ):
        client.get_status(PHONE, "1")
    assert caught.value.from_service  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (lambda seq: pdu(0x80000000, seq, b"", 0x08), "generic_nack"),
        (lambda seq: pdu(0x80000015, seq), "enquire_link_resp"),  # not the answer asked for
        (lambda seq: pdu(0x800000AA, seq), "Unknown SMPP command"),
        (lambda seq: query_sm_resp(seq, 2, message_id="2"), "message '2'"),
        (lambda seq: pdu(0x80000003, seq, b"1\0\0"), "status"),  # no message_state
        (lambda seq: pdu(0x80000003, seq, b"1\0\0\x02"), "error_code"),
        (lambda seq: struct.pack(">L", 8) + b"\0" * 12, "claims 8 bytes"),
    ],
)
def test_a_broken_answer_is_malformed(reply: object, words: str) -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        return reply(sequence)  # type: ignore[operator, no-any-return]

    with (
        ScriptedSmsc(answer) as smsc,
        client_of(transport_to(smsc.port)) as client,
        pytest.raises(MalformedResponseError, match=words),
    ):
        client.get_status(PHONE, "1")


def test_the_sandboxs_faults_read_as_smpp_failures() -> None:
    faults = {"1": "http_500", "2": "soap_fault"}
    app = SandboxApp(MessageBook(BOOK), SandboxOptions(faults=faults))  # type: ignore[arg-type]
    with Sandbox(app, smpp_port=0) as sandbox, client_of(transport_to(smpp_port(sandbox))) as c:
        with pytest.raises(MalformedResponseError, match="generic_nack"):
            c.get_status(PHONE, "1")
        with pytest.raises(TransportError, match="0x00000008"):
            c.get_status(PHONE, "2")


def test_no_port_listening_is_a_failed_connection() -> None:
    with ScriptedSmsc(lambda *_: None) as smsc:
        port = smsc.port
    with client_of(transport_to(port)) as client, pytest.raises(ConnectionFailedError):
        client.get_status(PHONE, "1")


# --- input refused before anything is sent -------------------------------------------------


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"port": 2775, "source_addr": SENDER}, "host"),
        ({"host": "127.0.0.1", "source_addr": SENDER}, "port"),
        ({"host": "127.0.0.1", "port": 2775}, "source_addr"),
        ({"host": "127.0.0.1", "port": 0, "source_addr": SENDER}, "port"),
        ({"host": "127.0.0.1", "port": True, "source_addr": SENDER}, "port"),
        ({"host": "127.0.0.1", "port": "2775", "source_addr": SENDER}, "port"),
        ({"host": "a b", "port": 2775, "source_addr": SENDER}, "host"),
        ({"host": "127.0.0.1", "port": 2775, "source_addr": "x" * 21}, "source_addr"),
        ({"host": "127.0.0.1", "port": 2775, "source_addr": " SMSC"}, "source_addr"),
        ({"host": "127.0.0.1", "port": 2775, "source_addr": "СМСЦ"}, "source_addr"),
        ({"host": "127.0.0.1", "port": 2775, "source_addr": SENDER, "timeout": 0}, "timeout"),
        (
            {"host": "127.0.0.1", "port": 2775, "source_addr": SENDER, "source_addr_ton": 256},
            "source_addr_ton",
        ),
        ({"host": "127.0.0.1", "port": 2775, "source_addr": SENDER, "tls": True}, "tls"),
    ],
)
def test_bad_options_are_refused_when_the_transport_is_made(
    options: dict[str, object], option: str
) -> None:
    with pytest.raises(InvalidParametersError) as caught:
        SmppStatusTransport(**options)  # type: ignore[arg-type]
    assert caught.value.option == option


@pytest.mark.parametrize(
    ("credentials", "option"),
    [
        (Credentials.of(None, None, "a-key"), "api_key"),
        (Credentials.of("demo", "123456789"), "password"),  # SMPP's password: 8 at most
        (Credentials.of("a" * 16, "demo"), "login"),  # system_id: 15 at most
        (Credentials.of("demo", "пароль"), "password"),
    ],
)
def test_credentials_smpp_cannot_carry_are_refused_before_any_bind(
    credentials: Credentials, option: str
) -> None:
    with ScriptedSmsc(lambda *_: None) as smsc:
        transport = transport_to(smsc.port)
        with pytest.raises(InvalidParametersError) as caught:
            transport.fetch(credentials, request("1"), timeout=5)

        assert caught.value.option == option
        assert smsc.received == []


def test_a_query_of_get_status2_cannot_go_over_smpp() -> None:
    with ScriptedSmsc(lambda *_: None) as smsc, client_of(transport_to(smsc.port)) as client:
        with pytest.raises(UnsupportedOperationError):
            client.get_status2(PHONE, "1", query={"hlr": 1})
        assert smsc.received == []


def test_the_password_shows_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")

    def answer(command_id: int, sequence: int, body: bytes) -> bytes | None:
        return None  # hang up: the lookup fails

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port)
        with client_of(transport, password="Zq7#kW2x") as client:
            with pytest.raises(ConnectionFailedError) as caught:
                client.get_status(PHONE, "1")
            shown = [repr(transport), repr(client), str(caught.value), caplog.text]
            cause = caught.value.__cause__
            shown += [repr(cause), str(cause)]

    assert not any("Zq7#kW2x" in text for text in shown)


def test_query_sm_names_the_message_by_its_id_and_sender() -> None:
    bodies: list[bytes] = []

    def answer(command_id: int, sequence: int, body: bytes) -> bytes:
        bodies.append(body)
        return query_sm_resp(sequence, 2, message_id="42")

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port, source_addr_ton=5, source_addr_npi=0)
        try:
            transport.fetch(DEMO, request("42"), timeout=5)
        finally:
            transport.close()

    assert smsc.received[1][0] == QUERY_SM
    assert bodies == [b"42\0" + bytes([5, 0]) + b"SMSC.RU\0"]


def test_the_servers_own_requests_are_answered_on_the_shared_session() -> None:
    def answer(command_id: int, sequence: int, body: bytes) -> bytes | None:
        if command_id == QUERY_SM:  # the answer, then an enquire_link and a stray message
            return query_sm_resp(sequence, 2) + pdu(ENQUIRE_LINK, 77) + pdu(DELIVER_SM, 78)
        return b""

    with ScriptedSmsc(answer) as smsc:
        transport = transport_to(smsc.port)
        try:
            transport.fetch(DEMO, request("1"), timeout=5)
            until = time.monotonic() + 5
            while (0x80000000, 78) not in smsc.received and time.monotonic() < until:
                time.sleep(0.01)
        finally:
            transport.close()

        assert (ENQUIRE_LINK | RESPONSE, 77) in smsc.received
        assert (0x80000000, 78) in smsc.received  # generic_nack: a transmitter takes none
