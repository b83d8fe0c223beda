"""Bad requests sent to the sandbox over real sockets: each gets a Fault or a 4xx, never the
server's internal-error page, and the sandbox goes on answering."""

from __future__ import annotations

import ast
import http.client
import io
import logging
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import smsc_soap.sandbox
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp
from smsc_soap.serving.body import MAX_BODY_BYTES
from smsc_soap.serving.request_reader import UnreadableRequest, read_request

from support.sandboxes import assert_still_answers

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGE = BookMessage(id="1", phone="79990000001", status=1, message="Привет")


pytestmark = pytest.mark.sandbox(lambda: [MESSAGE], enforce_limits=False)
# a WSGI server's page for an exception that escapes the application
INTERNAL_ERROR_PAGE = b"The server encountered an unexpected internal server error"


def envelope(login: str = "demo", encoding: str | None = None) -> str:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    return (
        f'{declaration}<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body>'
        '<n:status xmlns:n="http://smsc.ru/sys/soap.php">'
        f"<login>{login}</login><psw>demo</psw><phone>{MESSAGE.phone}</phone>"
        f"<id>{MESSAGE.id}</id><all>0</all></n:status></e:Body></e:Envelope>"
    )


VALID = envelope().encode()

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
    + VALID.replace(b"<login>demo</login>", b"<login>&lol9;</login>")
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE e:Envelope [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    + VALID.replace(b"<login>demo</login>", b"<login>&secret;</login>")
)


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.content_type = response.getheader("Content-Type", "")
        self.body = response.read()


class _Received(io.BytesIO):
    def close(self) -> None:  # http.client closes it after each response; the next follows
        pass


class _Replay:
    """Stands in for a socket: http.client reads each response in turn from what was received."""

    def __init__(self, received: bytes) -> None:
        self._file = _Received(received)

    def makefile(self, mode: str) -> io.BytesIO:
        return self._file


def exchange(sandbox: Sandbox, raw: bytes, *, half_close: bool = False) -> list[Answer]:
    """Send ``raw`` as it is and read until the server closes: every response it sent."""
    port = int(sandbox.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    replay = _Replay(received)
    answers = []
    while replay._file.tell() < len(received):
        response = http.client.HTTPResponse(replay)  # type: ignore[arg-type]
        response.begin()
        answers.append(Answer(response))
    return answers


def post(
    path: str,
    body: bytes,
    *,
    content_length: str | None = None,
    content_type: str = "text/xml; charset=utf-8",
    close: bool = True,
) -> bytes:
    length = str(len(body)) if content_length is None else content_length
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n{'Connection: close' if close else 'X-Keep: alive'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def assert_client_fault(answer: Answer) -> None:
    assert answer.status == 500
    assert answer.content_type.startswith("text/xml")
    assert INTERNAL_ERROR_PAGE not in answer.body
    fault = etree.fromstring(answer.body).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, answer.body
    assert fault.findtext("faultcode", "").endswith("Client")


def assert_bad_request(answer: Answer, status: int = 400) -> None:
    assert answer.status == status
    assert INTERNAL_ERROR_PAGE not in answer.body


BAD_SOAP_BODIES = {
    "truncated": VALID[: len(VALID) // 2],
    "truncated_after_the_envelope_opens": VALID[:60],
    "empty": b"",
    "whitespace": b" \r\n\t",
    "not_xml": b"\x00\x01\x02 login=demo&psw=demo \xff\xfe",
    "json": b'{"login": "demo", "psw": "demo"}',
    "billion_laughs": BILLION_LAUGHS,
    "external_entity": EXTERNAL_ENTITY,
    "doctype_only": b"<!DOCTYPE e:Envelope>" + VALID,
    "invalid_utf8": VALID.replace(b"<login>demo", b"<login>\xff\xfe\xc3demo"),
    "utf8_declared_but_windows_1251": envelope("Привет", "utf-8").encode("windows-1251"),
    "unknown_declared_charset": envelope(encoding="x-no-such-charset").encode(),
    "not_an_envelope": b"<get_status><login>demo</login></get_status>",
    "too_deep": b"<a>" * 5000 + b"</a>" * 5000,
}


@pytest.mark.parametrize("body", BAD_SOAP_BODIES.values(), ids=BAD_SOAP_BODIES.keys())
def test_a_bad_soap_request_gets_a_client_fault(sandbox: Sandbox, body: bytes) -> None:
    [answer] = exchange(sandbox, post("/sys/soap.php", body))

    assert_client_fault(answer)
    assert_still_answers(sandbox, MESSAGE)


def test_the_entities_are_neither_expanded_nor_read(sandbox: Sandbox) -> None:
    for body in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        [answer] = exchange(sandbox, post("/sys/soap.php", body))
        assert b"lollol" not in answer.body
        assert b"root:" not in answer.body


@pytest.mark.parametrize(
    "content_type",
    ["text/xml; charset=x-no-such-charset", "text/xml; charset=utf-16", 'text/xml; charset="'],
)
def test_a_wrong_charset_in_the_header_gets_a_client_fault(
    sandbox: Sandbox, content_type: str
) -> None:
    [answer] = exchange(sandbox, post("/sys/soap.php", VALID, content_type=content_type))

    assert_client_fault(answer)
    assert_still_answers(sandbox, MESSAGE)


def test_a_declared_windows_1251_request_is_read(sandbox: Sandbox) -> None:
    body = envelope("демо", "windows-1251").encode("windows-1251")

    [answer] = exchange(sandbox, post("/sys/soap.php", body))

    assert answer.status == 200
    assert b"<error>2</error>" in answer.body  # read, and refused as a wrong login


def test_a_content_length_shorter_than_the_body(sandbox: Sandbox) -> None:
    # The sandbox reads a truncated envelope; the connection closes, the rest unread.
    raw = post("/sys/soap.php", VALID, content_length=str(len(VALID) // 2))

    [answer] = exchange(sandbox, raw)

    assert_client_fault(answer)
    assert_still_answers(sandbox, MESSAGE)


def test_a_content_length_shorter_than_the_body_on_a_kept_alive_connection(
    sandbox: Sandbox,
) -> None:
    # The sandbox reads a truncated envelope; the rest (ended with a blank line, so that it
    # is a whole request) is a second request, and garbage: the server answers it 400 and
    # closes, which may come before the first request's answer is written (it is then lost
    # with the connection, as any reply pipelined behind garbage may be).
    raw = post("/sys/soap.php", VALID, content_length=str(len(VALID) // 2), close=False)

    *first, second = exchange(sandbox, raw + b"\r\n\r\n")

    for answer in first:
        assert_client_fault(answer)
    assert_bad_request(second)
    assert_still_answers(sandbox, MESSAGE)


@pytest.mark.parametrize(
    ("content_length", "status"),
    [("many", 400), ("-5", 400), ("1e3", 400), (str(1 << 30), 413)],
)
def test_a_content_length_that_is_not_a_size_or_too_big(
    sandbox: Sandbox, content_length: str, status: int
) -> None:
    [answer] = exchange(sandbox, post("/sys/soap.php", VALID, content_length=content_length))

    assert_bad_request(answer, status)
    assert_still_answers(sandbox, MESSAGE)


def test_the_cap_on_the_body(sandbox: Sandbox) -> None:
    padding = b" " * (MAX_BODY_BYTES - len(VALID))
    largest = VALID.replace(b"<all>0</all>", b"<all>0</all>" + padding)
    assert len(largest) == MAX_BODY_BYTES

    [served] = exchange(sandbox, post("/sys/soap.php", largest))
    # One byte more is refused on its Content-Length, before the body is sent.
    [refused] = exchange(sandbox, post("/sys/soap.php", b"", content_length=str(len(largest) + 1)))

    assert served.status == 200
    assert b"<status>1</status>" in served.body
    assert_bad_request(refused, 413)
    assert_still_answers(sandbox, MESSAGE)


def test_a_content_length_longer_than_the_body(sandbox: Sandbox) -> None:
    # The server waits for the rest; when the client gives up, it closes without an answer.
    raw = post("/sys/soap.php", VALID, content_length=str(len(VALID) + 100))

    assert exchange(sandbox, raw, half_close=True) == []
    assert_still_answers(sandbox, MESSAGE)


STATUS_GARBAGE = {
    "binary": b"\x00\xff\xfe\x01%%%zz&&==&",
    "bad_percent_escapes": b"login=%ZZ&psw=%&id=%c3%28&phone=%ff",
    "xml": VALID,
    "repeated_separators": b"&" * 1000 + b"=" * 1000,
}


@pytest.mark.parametrize("body", STATUS_GARBAGE.values(), ids=STATUS_GARBAGE.keys())
def test_status_php_with_a_garbage_body(sandbox: Sandbox, body: bytes) -> None:
    raw = post("/sys/status.php", body, content_type="application/x-www-form-urlencoded")

    [answer] = exchange(sandbox, raw)

    assert answer.status in (200, 400)
    assert INTERNAL_ERROR_PAGE not in answer.body
    if answer.status == 200:
        assert answer.body.startswith(b"ERROR = ")
    assert_still_answers(sandbox, MESSAGE)


def test_a_bug_in_the_handler_is_a_server_fault_not_the_servers_page(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sandbox.app, "fault_for", broken)

    with caplog.at_level(logging.ERROR, logger="smsc_soap.sandbox"):
        [soap] = exchange(sandbox, post("/sys/soap.php", VALID))
        [status] = exchange(sandbox, post("/sys/status.php", b"login=demo&psw=demo&id=1"))

    assert soap.status == status.status == 500
    assert INTERNAL_ERROR_PAGE not in soap.body + status.body
    fault = etree.fromstring(soap.body).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "SOAP-ENV:Server"
    assert "RuntimeError: a bug" in caplog.text
    monkeypatch.undo()
    assert_still_answers(sandbox, MESSAGE)


StartResponse = Callable[[str, list[tuple[str, str]]], object]


def call_app(environ: dict[str, object]) -> tuple[str, bytes]:
    app = SandboxApp(MessageBook([MESSAGE]))
    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.append(status)

    body = b"".join(app(environ, start_response))
    return seen[0], body


@pytest.mark.parametrize(
    ("content_length", "status"),
    [("many", "400"), ("-1", "400"), ("1_0", "400"), (str((1 << 20) + 1), "413")],
)
def test_the_app_itself_checks_content_length(content_length: str, status: str) -> None:
    # The server answers these itself before the app is called; the app checks all the same.
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sys/soap.php",
        "CONTENT_LENGTH": content_length,
        "wsgi.input": io.BytesIO(VALID),
    }

    answered, _ = call_app(environ)

    assert answered.startswith(status)


def test_the_sandbox_does_not_use_the_clients_reply_parser() -> None:
    package = Path(smsc_soap.sandbox.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert module not in ("..envelope", "smsc_soap.soap.reply_envelope"), source
            elif isinstance(node, ast.Import):
                assert all(alias.name != "smsc_soap.soap.reply_envelope" for alias in node.names), (
                    source
                )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_the_reader_raises_nothing_but_unreadable_request(body: bytes) -> None:
    try:
        root = read_request(body, "text/xml; charset=utf-8")
    except UnreadableRequest:
        return
    assert isinstance(root.tag, str)


@pytest.mark.parametrize(
    "body",
    [body for name, body in BAD_SOAP_BODIES.items() if name != "not_an_envelope"],
    ids=[name for name in BAD_SOAP_BODIES if name != "not_an_envelope"],
)
def test_the_reader_refuses_every_bad_body(body: bytes) -> None:
    with pytest.raises(UnreadableRequest):
        read_request(body, None)
