"""The password in no error, result, log record or warning, however a reply echoes it.

Property-tested: random passwords, echoed in random spellings (each character on its own:
as it is, character references, entities, JSON and percent escapes; the whole as mojibake;
XML comments and CDATA boundaries between characters) in every reply field, fault, error
page and broken body, over SOAP and HTTP.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from html.entities import codepoint2name

import pytest
import requests_mock
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from smsc_soap import Credentials, SmscError, StatusRequest
from smsc_soap.service.replies import status_from_reply
from smsc_soap.transports.http import HttpStatusTransport
from smsc_soap.transports.soap import SoapStatusTransport
from smsc_soap.wire.redaction import REDACTED, redacted

SOAP_URL = "https://smsc.ru/sys/soap.php"
HTTP_URL = "https://smsc.ru/sys/status.php"
ECHO = b"\x00ECHO\x00"
NEUTRAL = b"zzzz"

ENVELOPE = (
    b'<?xml version="1.0" encoding="%s"?>'
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:ns1="http://smsc.ru/sys/soap.php"><SOAP-ENV:Body>%s</SOAP-ENV:Body>'
    b"</SOAP-ENV:Envelope>"
)


def soap_fields(field: str) -> bytes:
    values = {b"status": b"1", b"err": b"0", field.encode(): ECHO}
    children = b"".join(b"<%s>%s</%s>" % (name, value, name) for name, value in values.items())
    return b"<ns1:StatusResponse><statusresult>%s</statusresult></ns1:StatusResponse>" % children


def soap_fault(part: str) -> bytes:
    parts = {"faultcode": b"SOAP-ENV:Client", "faultstring": b"bad request", "detail": b""}
    parts[part] = ECHO
    inner = b"".join(
        b"<%s>%s</%s>" % (name.encode(), value, name.encode()) for name, value in parts.items()
    )
    return b"<SOAP-ENV:Fault>%s</SOAP-ENV:Fault>" % inner


ERROR_PAGE = (
    b"<html><body><h1>Bad request</h1><p>psw=%s</p></body></html>" % ECHO,
    500,
    "text/html",
)

# (body with ECHO where the password goes and %s for the encoding, HTTP status, content type)
SOAP_PLACES: dict[str, tuple[bytes, int, str]] = {
    **{
        f"field-{field}": (ENVELOPE % (b"%s", soap_fields(field)), 200, "text/xml")
        for field in ("status", "err", "last_date", "last_timestamp", "cost", "message", "comment")
    },
    **{
        f"fault-{part}": (ENVELOPE % (b"%s", soap_fault(part)), 500, "text/xml")
        for part in ("faultcode", "faultstring", "detail")
    },
    "error-page": ERROR_PAGE,
    "broken-body": (
        ENVELOPE.split(b"<SOAP-ENV:Body>")[0] + b"<SOAP-ENV:Body><statusresult><status>" + ECHO,
        200,
        "text/xml",
    ),
}
HTTP_FIELDS = ("status", "err", "last_date", "last_timestamp", "cost", "message", "comment")
HTTP_PLACES: dict[str, tuple[bytes, int, str]] = {
    **{
        f"field-{field}": (
            b'{"status": 1, "err": 0, "%s": "%s"}' % (field.encode(), ECHO),
            200,
            "application/json",
        )
        for field in (*HTTP_FIELDS, "error_code")
    },
    "field-name": (b'{"status": 1, "%s": 1}' % ECHO, 200, "application/json"),
    "unexpected-list": (b'[{"id": "%s", "status": 1}]' % ECHO, 200, "application/json"),
    "error-page": ERROR_PAGE,
    "broken-body": (b'{"status": "%s' % ECHO, 200, "application/json"),
}

PASSWORDS = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn"),  # what a password cannot hold
        max_codepoint=0x1F64F,
    ),
    min_size=4,
    max_size=16,
)
BODY_ENCODINGS = st.sampled_from(["utf-8", "windows-1251", "latin-1"])


def spelt(char: str, how: str, zeros: int, upper: bool) -> str:
    """One character as a reply might write it."""
    code = ord(char)
    hex_digits = f"{code:x}".upper() if upper else f"{code:x}"
    if how == "decimal":
        return f"&#{'0' * zeros}{code};"
    if how == "hex":
        return f"&#{'X' if upper else 'x'}{'0' * zeros}{hex_digits};"
    if how == "entity" and (code in codepoint2name or char == "'"):
        return f"&{codepoint2name.get(code, 'apos')};"
    if how == "json":
        units = char.encode("utf-16-be")
        escaped = "".join(f"\\u{units[at : at + 2].hex()}" for at in range(0, len(units), 2))
        return escaped.upper().replace("\\U", "\\u") if upper else escaped
    if how in ("percent-utf-8", "percent-cp1251"):
        try:
            encoded = char.encode(how.removeprefix("percent-"))
        except UnicodeEncodeError:
            return char
        text = "".join(f"%{byte:02x}" for byte in encoded)
        return text.upper() if upper else text
    if how == "plus" and char == " ":
        return "+"
    return char


SPELLINGS = st.sampled_from(
    ["raw", "decimal", "hex", "entity", "json", "percent-utf-8", "percent-cp1251", "plus"]
)
IGNORABLES = st.sampled_from(["", "", "", "<!-- x -->", "<![CDATA[", "]]>", "<?pi x?>"])


@st.composite
def echoes(draw: st.DrawFn, password: str) -> str:
    """The password as a reply might write it back."""
    text = password
    view = draw(st.sampled_from([None, None, "windows-1251", "latin-1", "cp1252"]))
    if view is not None:
        try:
            text = password.encode("utf-8").decode(view)
        except UnicodeDecodeError:
            text = password
    between = draw(st.booleans())
    pieces = []
    for char in text:
        how = draw(SPELLINGS)
        pieces.append(spelt(char, how, draw(st.integers(0, 3)), draw(st.booleans())))
        if between:
            pieces.append(draw(IGNORABLES))
    return "".join(pieces)


@pytest.fixture(scope="module")
def transports() -> Iterator[dict[str, SoapStatusTransport | HttpStatusTransport]]:
    soap = SoapStatusTransport()
    http = HttpStatusTransport()
    yield {"soap": soap, "http": http}
    soap.close()
    http.close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


@contextmanager
def everything_said() -> Iterator[list[str]]:
    """Texts of every log record and warning while the block runs."""
    records = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    texts: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield texts
        texts += [str(warning.message) for warning in caught]
    finally:
        root.removeHandler(records)
        root.setLevel(level)
        texts += records.texts


def texts_of(value: object, seen: set[int] | None = None) -> Iterator[str]:
    """``value``'s str and repr, and those of its attributes, cause and context, deeply."""
    seen = set() if seen is None else seen
    if id(value) in seen or value is None or isinstance(value, bool | int | float):
        return
    seen.add(id(value))
    yield str(value)
    yield repr(value)
    if isinstance(value, bytes):
        yield value.decode("utf-8", errors="replace")
        return
    if isinstance(value, str):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from texts_of(key, seen)
            yield from texts_of(item, seen)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from texts_of(item, seen)
        return
    if isinstance(value, BaseModel):
        yield from texts_of(value.model_dump(), seen)
        return
    if isinstance(value, BaseException):
        yield from texts_of(value.__cause__, seen)
        yield from texts_of(value.__context__, seen)
        yield from texts_of(value.args, seen)
    for name in dir(value):
        if name.startswith("__") or name == "with_traceback":
            continue
        try:
            attribute = getattr(value, name)
        except Exception:  # noqa: S112  (a property that cannot answer here)
            continue
        if not callable(attribute):
            yield from texts_of(attribute, seen)


def outcome_texts(
    transport: SoapStatusTransport | HttpStatusTransport,
    url: str,
    password: str,
    body: bytes,
    status_code: int,
    content_type: str,
) -> list[str]:
    """Every text a lookup answered with ``body`` produces: result, error, logs, warnings."""
    credentials = Credentials.of("demo", password)
    request = StatusRequest.build("get_status", "79991234567", "1", 0)
    with requests_mock.Mocker() as service, everything_said() as said:
        service.post(
            url, content=body, status_code=status_code, headers={"Content-Type": content_type}
        )
        result: object
        try:
            result = status_from_reply(transport.fetch(credentials, request, timeout=5), request)
        except SmscError as error:
            result = error
    return [*texts_of(result), *said]


def leaks(password: str, texts: list[str]) -> list[str]:
    needles = {password, repr(password)[1:-1], ascii(password)[1:-1]}
    return [text for text in texts if any(needle in text for needle in needles)]


def check_never_echoed(
    transports: dict[str, SoapStatusTransport | HttpStatusTransport],
    data: st.DataObject,
    which: str,
    places: dict[str, tuple[bytes, int, str]],
    url: str,
) -> None:
    password = data.draw(PASSWORDS, label="password")
    template, status_code, content_type = places[
        data.draw(st.sampled_from(sorted(places)), label="place")
    ]
    encoding = data.draw(BODY_ENCODINGS, label="encoding")
    echo = data.draw(echoes(password), label="echo")
    try:
        echo_bytes = echo.encode(encoding)
    except UnicodeEncodeError:
        encoding, echo_bytes = "utf-8", echo.encode("utf-8")
    declared = template.replace(b"%s", encoding.encode(), 1)
    content_type += f"; charset={encoding}"
    # Texts of the client's own that hold the password by chance are not echoes.
    control = outcome_texts(
        transports[which], url, password, declared.replace(ECHO, NEUTRAL), status_code, content_type
    )
    assume(not leaks(password, control))

    texts = outcome_texts(
        transports[which],
        url,
        password,
        declared.replace(ECHO, echo_bytes),
        status_code,
        content_type,
    )

    assert not leaks(password, texts)


WIRES = {"soap": (SOAP_PLACES, SOAP_URL), "http": (HTTP_PLACES, HTTP_URL)}


@pytest.mark.parametrize("which", sorted(WIRES))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_an_echo_never_shows_the_password(
    transports: dict[str, SoapStatusTransport | HttpStatusTransport],
    which: str,
    data: st.DataObject,
) -> None:
    places, url = WIRES[which]
    check_never_echoed(transports, data, which, places, url)


@pytest.mark.parametrize(
    ("echo", "secret"),
    [
        (b"Pa55%2Dnever%2dshown", "Pa55-never-shown"),
        (b"Pa55+never shown", "Pa55 never shown"),
        (b"&#80;&#0097;&#x35;&#X35;-never-shown", "Pa55-never-shown"),
        (b"O&apos;Brien&amp;Co", "O'Brien&Co"),
        (b"O&#x27;Brien&#38;Co", "O'Brien&Co"),
        (b"\\u041f\\u0430\\u0440\\u043E\\u043B\\u044C", "Пароль"),
        (b"%D0%9F%d0%b0%D1%80%D0%BE%D0%BB%D1%8C", "Пароль"),
        (b"%CF%E0%F0%EE%EB%FC", "Пароль"),
        ("Пароль".encode("cp1251"), "Пароль"),
        ("Пароль".encode().decode("cp1251").encode(), "Пароль"),
        ("Пароль".encode().decode("latin-1").encode(), "Пароль"),
        ("Пароль".encode("cp1251").decode("latin-1").encode(), "Пароль"),
        (b"Pa55<!-- cut -->-never<![CDATA[-sh]]>own", "Pa55-never-shown"),
        (b"\\ud83d\\ude00-smile", "\U0001f600-smile"),
    ],
    ids=[
        "percent",
        "form",
        "character-references",
        "xml-entities",
        "html-references",
        "json-escapes",
        "percent-utf-8",
        "percent-cp1251",
        "cp1251",
        "mojibake-cp1251",
        "mojibake-latin-1",
        "cp1251-read-as-latin-1",
        "xml-ignorables",
        "json-surrogate-pair",
    ],
)
def test_each_spelling_is_redacted(echo: bytes, secret: str) -> None:
    assert redacted(b"<p>" + echo + b"</p>", secret) == b"<p>" + REDACTED + b"</p>"


def test_a_reply_in_the_encoding_its_content_type_names_is_redacted_in_it() -> None:
    body = '{"message": "Пароль"}'.encode("utf-16-le")

    assert redacted(body, "Пароль") == body  # not an encoding looked in unless named
    assert "Пароль" not in redacted(body, "Пароль", "UTF-16LE").decode("utf-16-le")


def test_a_reply_in_the_encoding_its_xml_declaration_names_is_redacted_in_it() -> None:
    body = '<?xml version="1.0" encoding="koi8-r"?><x>Пароль</x>'.encode("koi8-r")

    assert redacted(body, "Пароль") == b'<?xml version="1.0" encoding="koi8-r"?><x>[redacted]</x>'


def test_a_short_secret_is_not_looked_for() -> None:
    assert redacted(b"<status>1</status> abc", "abc") == b"<status>1</status> abc"
