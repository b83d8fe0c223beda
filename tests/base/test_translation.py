"""Every exception of the libraries under the transports leaves the client as an SmscError."""

from __future__ import annotations

import inspect
import io
import socket
import struct
import time
from types import ModuleType

import pytest
import requests
import requests_mock
import smpplib.exceptions
import urllib3.exceptions
import zeep.exceptions
from hypothesis import given, settings
from hypothesis import strategies as st

from smsc_soap import (
    ConnectionFailedError,
    HostNotFoundError,
    HTTPStatusError,
    InstantClock,
    InvalidParametersError,
    MalformedResponseError,
    MessageStatus,
    RequestTimeoutError,
    RetryPolicy,
    SmscError,
    SoapFaultError,
    StatusClient,
    TLSError,
    TransportError,
)
from smsc_soap.runtime.foreign_errors import Step, mapped, third_party_errors, translated

from support.soap_replies import ENDPOINT, PASSWORD, soap_reply


def exception_classes(module: ModuleType, base: type[Exception]) -> list[type[Exception]]:
    return sorted(
        (
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, base) and not issubclass(value, Warning)
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


LIBRARY_EXCEPTIONS = [
    *exception_classes(requests.exceptions, requests.RequestException),
    *exception_classes(urllib3.exceptions, urllib3.exceptions.HTTPError),
    *exception_classes(zeep.exceptions, zeep.exceptions.Error),
]


# Constructors that format numbers or ask a response where it is: arguments that fit.
ARGUMENTS: dict[type[Exception], tuple[object, ...]] = {
    urllib3.exceptions.IncompleteRead: (100, 900),
    urllib3.exceptions.InvalidChunkLength: (
        urllib3.HTTPResponse(io.BytesIO(b"abc"), preload_content=False),
        b"zz",
    ),
}


def instance_of(cls: type[Exception]) -> Exception:
    """An instance, whatever its constructor wants."""
    if cls in ARGUMENTS:
        return cls(*ARGUMENTS[cls])
    for arguments in (("boom",), (), ("boom", "boom"), ("boom", "boom", "boom")):
        try:
            return cls(*arguments)
        except (TypeError, AttributeError):
            continue
    # Constructors that want live objects (a response, a pool): an instance all the same.
    instance = cls.__new__(cls)
    Exception.__init__(instance, "boom")
    return instance


def test_the_enumeration_finds_the_libraries_exceptions() -> None:
    names = {cls.__name__ for cls in LIBRARY_EXCEPTIONS}
    assert {"ReadTimeout", "ChunkedEncodingError", "ProtocolError", "Fault"} <= names
    assert len(LIBRARY_EXCEPTIONS) > 50


@pytest.mark.parametrize("cls", LIBRARY_EXCEPTIONS, ids=lambda cls: cls.__qualname__)
def test_every_library_exception_is_translated(
    http_mock: requests_mock.Mocker, cls: type[Exception]
) -> None:
    raised = instance_of(cls)
    assert isinstance(raised, third_party_errors())
    # A failure to connect to smsc.ru sends the request to its backup host: it fails there too.
    for url in (ENDPOINT, "https://www2.smsc.ru/sys/soap.php"):
        http_mock.post(url, exc=raised)

    with (
        StatusClient("demo", PASSWORD, retry=RetryPolicy.disabled()) as client,
        pytest.raises(SmscError) as caught,
    ):
        client.get_status("79991234567", "1")

    assert caught.value.__cause__ is raised


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.ConnectTimeout("connect"), RequestTimeoutError),
        (requests.ReadTimeout("read"), RequestTimeoutError),
        (
            requests.ConnectionError(urllib3.exceptions.ReadTimeoutError(None, "/", "slow")),  # type: ignore[arg-type]
            RequestTimeoutError,
        ),
        (requests.ConnectionError("refused"), ConnectionFailedError),
        (requests.exceptions.ChunkedEncodingError("cut"), ConnectionFailedError),
        (urllib3.exceptions.ProtocolError("reset"), ConnectionFailedError),
        (urllib3.exceptions.IncompleteRead(100, 900), ConnectionFailedError),
        (urllib3.exceptions.NewConnectionError(None, "refused"), ConnectionFailedError),  # type: ignore[arg-type]
        (requests.exceptions.SSLError("certificate verify failed"), TLSError),
        (requests.exceptions.ContentDecodingError("bad gzip"), MalformedResponseError),
        (urllib3.exceptions.DecodeError("bad gzip"), MalformedResponseError),
        (zeep.exceptions.Fault("busy", code="soap:Server"), SoapFaultError),
        (zeep.exceptions.TransportError(status_code=502, content=b"bad"), HTTPStatusError),
        (zeep.exceptions.XMLSyntaxError("not XML"), MalformedResponseError),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), MalformedResponseError),
        (requests.exceptions.InvalidURL("no"), TransportError),
        (ConnectionResetError(104, "reset by peer"), ConnectionFailedError),
        (TimeoutError("timed out"), RequestTimeoutError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_translation_is_most_specific_first(raised: Exception, expected: type[SmscError]) -> None:
    assert type(translated(raised, Step.SEND)) is expected


@pytest.mark.parametrize(
    ("step", "raised", "expected"),
    [
        (Step.BUILD, zeep.exceptions.ValidationError("bad value"), InvalidParametersError),
        (Step.BUILD, ValueError("All strings must be XML compatible"), InvalidParametersError),
        (Step.BUILD, UnicodeEncodeError("ascii", "я", 0, 1, "no"), InvalidParametersError),
        (Step.READ, ValueError("bad"), MalformedResponseError),
        (Step.READ, LookupError("unknown encoding: x-nope"), MalformedResponseError),
        (Step.READ, zeep.exceptions.Fault("busy", code="soap:Server"), SoapFaultError),
        (Step.LOAD_WSDL, OSError(2, "No such file"), InvalidParametersError),
        (Step.LOAD_WSDL, KeyError("Service"), InvalidParametersError),
        (Step.LOAD_WSDL, requests.ConnectTimeout("slow"), RequestTimeoutError),
        (Step.CHECK_WSDL, KeyError("Service"), MalformedResponseError),
    ],
    ids=lambda value: value.name if isinstance(value, Step) else type(value).__name__,
)
def test_the_same_exception_means_what_its_step_makes_it(
    step: Step, raised: Exception, expected: type[SmscError]
) -> None:
    with pytest.raises(expected) as caught, mapped(step):
        raise raised
    assert caught.value.__cause__ is raised


def test_a_requests_error_leaves_its_request_and_response_behind() -> None:
    """The prepared request holds the password in its body."""
    request = requests.Request("POST", ENDPOINT, data={"psw": PASSWORD}).prepare()
    raised = requests.ConnectionError("refused", request=request)

    with pytest.raises(ConnectionFailedError) as caught, mapped(Step.SEND):
        raise raised

    cause = caught.value.__cause__
    assert isinstance(cause, requests.ConnectionError)
    assert cause.request is None
    assert cause.response is None


ANY_REPLY = st.one_of(
    st.binary(max_size=2000),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "status",
                    "err",
                    "last_date",
                    "last_timestamp",
                    "cost",
                    "error",
                    "flag",
                    "type",
                    "send_timestamp",
                    "sms_cnt",
                    "x",
                ]
            ),
            st.text(max_size=30),
        ),
        max_size=8,
    ).map(lambda fields: soap_reply(fields)),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(body=ANY_REPLY, status_code=st.sampled_from([200, 200, 200, 400, 500, 503]))
def test_any_reply_gives_a_status_or_a_documented_error_in_time(
    body: bytes, status_code: int
) -> None:
    deadline = 2.0
    with requests_mock.Mocker() as http_mock:
        http_mock.post(ENDPOINT, content=body, status_code=status_code)
        client = StatusClient("demo", PASSWORD, clock=InstantClock(), deadline=deadline)
        started = time.monotonic()
        try:
            result: object = client.get_status("79991234567", "1")
        except Exception as error:  # anything else is the failure this test looks for
            result = error
        elapsed = time.monotonic() - started

    assert isinstance(result, MessageStatus | SmscError)
    assert type(result).__module__ in {"smsc_soap.models", "smsc_soap.errors"}
    assert elapsed < deadline
    assert PASSWORD not in str(result)


@pytest.mark.parametrize(
    "raised",
    [
        smpplib.exceptions.UnknownCommandError("Unknown SMPP command code '0xaa'"),
        smpplib.exceptions.PDUError("Broken PDU"),
        smpplib.exceptions.MessageTooLong("too long"),
        struct.error("unpack requires a buffer of 1 bytes"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_smpplib_exceptions_are_translated(raised: Exception) -> None:
    assert isinstance(raised, third_party_errors())
    assert type(translated(raised, Step.READ)) is MalformedResponseError
    assert type(translated(raised, Step.BUILD)) is InvalidParametersError


def test_a_host_name_a_plain_socket_cannot_resolve_is_not_found() -> None:
    raised = socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert type(translated(raised, Step.SEND)) is HostNotFoundError
