"""The client against a server that misbehaves in every way a network path can, over real
sockets on 127.0.0.1: for each, the typed error, the attempts, the time, and no password."""

from __future__ import annotations

import gzip
import logging
import ssl
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import trustme

from smsc_soap import (
    ConnectionFailedError,
    HTTPStatusError,
    InstantClock,
    MalformedResponseError,
    MessageStatus,
    RequestTimeoutError,
    RetryPolicy,
    SmscError,
    SoapFaultError,
    StatusClient,
)

from support.fault_server import (
    Answer,
    FaultServer,
    drip,
    drip_chunk_size,
    drip_head,
    drip_tls_handshake,
    drip_trailers,
    endless,
    gzip_padding,
    never_answers,
    respond,
    truncated,
)
from support.soap_replies import PASSWORD, soap_fault, soap_reply

PHONE = "79991234567"
ATTEMPTS = 3
REPLY = soap_reply([("status", "1"), ("last_timestamp", "1629048442"), ("err", "0")])


@dataclass
class Outcome:
    result: MessageStatus | None
    error: SmscError | None
    attempts: int
    seconds: float
    peak_bytes: int
    clock: InstantClock
    texts: list[str]


def run(
    answers: Sequence[Answer],
    caplog: pytest.LogCaptureFixture,
    *,
    raises: type[SmscError] | None = None,
    timeout: tuple[float, float] = (2.0, 2.0),
    deadline: float = 10.0,
    transport: str = "soap",
    server: dict[str, Any] | None = None,
    https: bool = False,
    **options: Any,
) -> Outcome:
    """One get_status against a fault server (built with ``server``; at its https address
    with ``https``), with instant back-off and DEBUG logging. The call must raise ``raises``
    if given, else return a status."""
    caplog.set_level(logging.DEBUG)
    clock = InstantClock()
    with FaultServer(answers, **(server or {})) as fault_server:
        client = StatusClient(
            "demo",
            PASSWORD,
            endpoint=fault_server.tls_url if https else fault_server.url,
            allow_insecure_http=True,
            timeout=timeout,
            deadline=deadline,
            retry=RetryPolicy(attempts=ATTEMPTS),
            clock=clock,
            transport=transport,
            **options,
        )
        result: MessageStatus | None = None
        error: SmscError | None = None
        tracemalloc.start()
        started = time.monotonic()
        try:
            if raises is None:
                result = client.get_status(PHONE, "1")
            else:
                with pytest.raises(raises) as caught:
                    client.get_status(PHONE, "1")
                error = caught.value
        finally:
            seconds = time.monotonic() - started
            peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        client.close()
        sent = len(fault_server.requests)
    texts = [caplog.text, repr(client), repr(result)]
    cause: BaseException | None = error
    while cause is not None:
        texts += [str(cause), repr(cause)]
        cause = cause.__cause__ or cause.__context__
    if error is not None:
        assert error.attempts == sent
    for text in texts:
        assert PASSWORD not in text
    return Outcome(result, error, sent, seconds, peak_bytes, clock, texts)


def test_http_500_with_html_is_retried_then_typed(caplog: pytest.LogCaptureFixture) -> None:
    page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
    outcome = run(
        [respond(page, "500 Internal Server Error", "text/html")], caplog, raises=HTTPStatusError
    )

    assert isinstance(outcome.error, HTTPStatusError)
    assert outcome.error.status_code == 500
    assert "Internal Server Error" in outcome.error.body
    assert outcome.attempts == ATTEMPTS
    assert outcome.seconds < 2


def test_empty_200_is_malformed_and_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    outcome = run([respond(b"")], caplog, raises=MalformedResponseError)

    assert isinstance(outcome.error, MalformedResponseError)
    assert "empty" in str(outcome.error)
    assert outcome.attempts == 1


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_body_cut_short_is_a_broken_connection_and_retried(
    caplog: pytest.LogCaptureFixture, reset: bool
) -> None:
    outcome = run([truncated(REPLY, reset=reset)], caplog, raises=ConnectionFailedError)

    assert isinstance(outcome.error, ConnectionFailedError)
    assert outcome.attempts == ATTEMPTS
    assert outcome.seconds < 2


def test_a_cut_body_then_a_good_one_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    outcome = run([truncated(REPLY, reset=True), respond(REPLY)], caplog)

    assert outcome.result is not None
    assert outcome.result.is_delivered
    assert outcome.attempts == 2


@pytest.mark.slow
def test_a_server_that_never_answers_times_out_each_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = run([never_answers], caplog, raises=RequestTimeoutError, timeout=(1.0, 0.3))

    assert isinstance(outcome.error, RequestTimeoutError)
    assert outcome.attempts == ATTEMPTS
    assert 0.3 * ATTEMPTS <= outcome.seconds < 0.3 * ATTEMPTS + 1.5


@pytest.mark.slow
def test_a_slow_drip_is_cut_off_at_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    # Each byte comes well within the read timeout; only the deadline can stop it.
    outcome = run(
        [drip(REPLY, every=0.05)],
        caplog,
        raises=RequestTimeoutError,
        timeout=(1.0, 1.0),
        deadline=1.0,
    )

    assert isinstance(outcome.error, RequestTimeoutError)
    assert "deadline" in str(outcome.error)
    assert outcome.attempts == 1  # no time is left for another
    assert 0.9 <= outcome.seconds < 2.0


def test_a_50_mb_body_is_refused_by_its_length(caplog: pytest.LogCaptureFixture) -> None:
    outcome = run([respond(b"x" * (50 * 1024 * 1024))], caplog, raises=MalformedResponseError)

    assert isinstance(outcome.error, MalformedResponseError)
    assert "Content-Length 52428800" in str(outcome.error)
    assert outcome.attempts == 1


def test_a_50_mb_body_without_a_length_is_cut_at_the_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = run(
        [endless(b"<a>" + b"x" * 65533, 50 * 1024 * 1024)], caplog, raises=MalformedResponseError
    )

    assert isinstance(outcome.error, MalformedResponseError)
    assert "1048576-byte cap" in str(outcome.error)
    assert outcome.attempts == 1
    assert outcome.seconds < 2
    assert outcome.peak_bytes < 8 * 1024 * 1024


def test_a_gzip_bomb_is_cut_at_the_cap_after_decompression(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bomb = gzip.compress(b"<" + b"a" * (50 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000

    outcome = run([respond(bomb, Content_Encoding="gzip")], caplog, raises=MalformedResponseError)

    assert isinstance(outcome.error, MalformedResponseError)
    assert "cap" in str(outcome.error)
    assert outcome.attempts == 1
    assert outcome.seconds < 2
    assert outcome.peak_bytes < 8 * 1024 * 1024


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:ns1="http://smsc.ru/sys/soap.php"><SOAP-ENV:Body><ns1:StatusResponse><statusresult>
<status>&lol9;</status></statusresult></ns1:StatusResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>
"""

QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "'
    + b"a" * 50_000
    + b'">]><x>'
    + b"&a;" * 50_000
    + b"</x>"
)

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:ns1="http://smsc.ru/sys/soap.php"><SOAP-ENV:Body><ns1:StatusResponse><statusresult>
<status>1</status><message>&secret;</message></statusresult></ns1:StatusResponse>
</SOAP-ENV:Body></SOAP-ENV:Envelope>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">
<x>&entity;</x>
"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, QUADRATIC_BLOWUP, EXTERNAL_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "quadratic-blowup", "external-entity", "external-dtd"],
)
def test_dtds_and_entities_are_refused_fast(caplog: pytest.LogCaptureFixture, body: bytes) -> None:
    outcome = run([respond(body)], caplog, raises=MalformedResponseError)

    assert isinstance(outcome.error, MalformedResponseError)
    assert outcome.attempts == 1
    assert outcome.seconds < 1
    assert all("root:" not in text for text in outcome.texts)


def test_cp1251_bytes_labelled_utf_8_are_read_as_cp1251(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = soap_reply(
        [("status", "1"), ("err", "0"), ("message", "Привет, мир")],
        encoding="windows-1251",
        declare_encoding=False,
    )
    outcome = run([respond(body, content_type="text/xml; charset=utf-8")], caplog)

    assert outcome.result is not None
    assert outcome.result.message == "Привет, мир"


def test_an_html_page_with_200_is_malformed_and_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = b"<!DOCTYPE html><html><body>Proxy login required</body></html>"
    outcome = run([respond(page, content_type="text/html")], caplog, raises=MalformedResponseError)

    assert isinstance(outcome.error, MalformedResponseError)
    assert outcome.attempts == 1


def test_a_good_reply_under_a_wrong_content_type_is_still_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = run([respond(REPLY, content_type="text/plain")], caplog)

    assert outcome.result is not None
    assert outcome.result.is_delivered


def test_a_fault_that_echoes_the_password_never_shows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo = f"bad request: login=demo psw={PASSWORD}"
    body = soap_fault("SOAP-ENV:Client", echo, detail=f"<psw>{PASSWORD}</psw>")
    outcome = run([respond(body, "500 Internal Server Error")], caplog, raises=SoapFaultError)

    assert isinstance(outcome.error, SoapFaultError)
    assert outcome.error.faultstring == "bad request: login=demo psw=[redacted]"
    assert outcome.error.detail == "<psw>[redacted]</psw>"
    assert outcome.attempts == 1  # a client fault is not retried
    # (run() has checked every text, the DEBUG log of the reply included)


def test_retry_after_on_503_is_waited_for_then_the_call_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy = respond(b"busy", "503 Service Unavailable", "text/plain", Retry_After="2")
    outcome = run([busy, respond(REPLY)], caplog)

    assert outcome.result is not None
    assert outcome.result.is_delivered
    assert outcome.attempts == 2
    assert outcome.clock.waits == [2.0]
    assert outcome.seconds < 1  # the clock's waits are instant; nothing slept


# Each byte comes well within the read timeout; only the deadline can stop these.
DRIP_DEADLINE = 0.6
DEADLINE_MARGIN = 0.5  # the margin the README promises
PATIENT = (5.0, 5.0)
DRIP_SHAPES = {
    "headers": drip_head(every=0.05),
    "chunk-size-line": drip_chunk_size(every=0.05),
    "trailers": drip_trailers(b"{}", every=0.05),
    "gzip-padding": gzip_padding(every=0.05),
    "body": drip(REPLY, every=0.05),
}


def assert_cut_at_the_deadline(outcome: Outcome) -> None:
    assert isinstance(outcome.error, RequestTimeoutError), outcome.error
    assert "deadline" in str(outcome.error)
    assert outcome.attempts == 1  # no time is left for another
    assert DRIP_DEADLINE * 0.9 <= outcome.seconds < DRIP_DEADLINE + DEADLINE_MARGIN


def run_to_the_deadline(
    answers: Sequence[Answer], caplog: pytest.LogCaptureFixture, **options: Any
) -> None:
    """One get_status against a server that drips ``answers``, given all the time it wants
    for each read: it must end in a timeout at the call's deadline, as one attempt."""
    outcome = run(
        answers,
        caplog,
        raises=RequestTimeoutError,
        timeout=PATIENT,
        deadline=DRIP_DEADLINE,
        **options,
    )
    assert_cut_at_the_deadline(outcome)


@pytest.mark.slow  # a battery: each shape waits for a deadline
@pytest.mark.parametrize("transport", ["soap", "http"])
@pytest.mark.parametrize("shape", sorted(DRIP_SHAPES))
def test_every_drip_shape_is_cut_at_the_deadline(
    caplog: pytest.LogCaptureFixture, shape: str, transport: str
) -> None:
    run_to_the_deadline([DRIP_SHAPES[shape]], caplog, transport=transport)


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(
    certificate_authority: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ssl.SSLContext]:
    """A server context for 127.0.0.1, its CA trusted by the sessions the client makes."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    with certificate_authority.cert_pem.tempfile() as bundle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
        yield context


@pytest.mark.slow  # a battery: each shape waits for a deadline
@pytest.mark.parametrize("transport", ["soap", "http"])
@pytest.mark.parametrize("shape", ["handshake", "headers"])
def test_drips_over_tls_are_cut_at_the_deadline(
    caplog: pytest.LogCaptureFixture, tls_server: ssl.SSLContext, shape: str, transport: str
) -> None:
    """A handshake record a byte at a time; headers a byte at a time after a real handshake."""
    if shape == "handshake":
        answer, server = drip_tls_handshake(every=0.05), {"reads_requests": False}
    else:
        answer, server = drip_head(every=0.05), {"tls": tls_server}
    run_to_the_deadline([answer], caplog, transport=transport, server=server, https=True)


def test_a_good_reply_over_tls_is_read(
    caplog: pytest.LogCaptureFixture, tls_server: ssl.SSLContext
) -> None:
    outcome = run([respond(REPLY)], caplog, server={"tls": tls_server}, https=True)

    assert outcome.result is not None
    assert outcome.result.is_delivered


@pytest.mark.slow
def test_a_kept_alive_connection_is_cut_at_the_deadline_when_reused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [respond(REPLY, Connection="keep-alive"), drip_head(every=0.05)]
    with FaultServer(answers, keep_alive=True) as server:
        client = StatusClient(
            "demo",
            PASSWORD,
            endpoint=server.url,
            allow_insecure_http=True,
            timeout=PATIENT,
            deadline=DRIP_DEADLINE,
            clock=InstantClock(),
        )
        assert client.get_status(PHONE, "1").is_delivered
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError, match="deadline"):
            client.get_status(PHONE, "2")
        seconds = time.monotonic() - started
        client.close()
        connections = server.connections

    assert connections == 1  # the second lookup went over the first one's connection
    assert seconds < DRIP_DEADLINE + DEADLINE_MARGIN


@pytest.mark.slow  # a battery: each shape waits for a deadline
@pytest.mark.parametrize("shape", ["gzip-padding", "chunk-size-line"])
def test_a_callers_session_has_its_reply_cut_at_the_deadline(
    caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    """A session of the caller's makes its own connections; once the headers are in, the
    reply is shut at the deadline all the same."""
    with requests.Session() as session:
        run_to_the_deadline([DRIP_SHAPES[shape]], caplog, session=session)
