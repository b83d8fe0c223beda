"""Every failure smsc-soap raises, as one tree::

    SmscError                         (.attempts: requests sent for the call, 0 if none)
    ├── ApiError                      an error code  (.code, .description, .from_service)
    │   ├── InvalidParametersError    1, and bad input or options refused before sending
    │   │                             (.option; also a ValueError)
    │   ├── AuthenticationError       2, and calls refused after one
    │   ├── MessageNotFoundError      3
    │   ├── IPBlockedError            4, and calls refused while the block lasts
    │   ├── DeleteError               5
    │   └── RateLimitError            9, and lookups the client's own limits held back
    ├── TransportError                no usable answer came back
    │   ├── RequestTimeoutError       connect or read timed out, or the call's deadline passed
    │   ├── ConnectionFailedError     no connection, or it broke before the answer was complete
    │   │   ├── HostNotFoundError     the host name does not resolve
    │   │   └── TLSError              the TLS handshake or certificate check failed
    │   ├── HTTPStatusError           an HTTP error status, no SOAP answer
    │   │                             (.status_code, .body, .retry_after)
    │   ├── SoapFaultError            a SOAP Fault  (.faultcode, .faultstring, .detail)
    │   └── MalformedResponseError    an answer that is not the documented reply, or too large
    ├── UnsupportedOperationError     the transport cannot do this (deletion over SOAP, ...)
    ├── LimitStoreError               the shared limit store cannot be used; not sent
    ├── StatusStoreError              the status store cannot be used; the gateway asks the
    │                                 service instead
    ├── ReceiptError                  an SMPP delivery receipt that cannot be read  (.field)
    └── CallbackError                 a status-handler callback that cannot be read  (.field)
        └── CallbackSignatureError    its md5/sha1 signature is missing or wrong

``ApiError.from_service`` tells an answer of the service from a refusal of the client's own,
made without sending anything; the text says which ("SMSC error 2: ..." is the service's
answer, "... (refused by the client; nothing was sent)" the client's own). An ``ApiError``
with a code the service has not documented is raised as ``ApiError`` itself, carrying that
code. A ``CallbackError`` is what a receiver answers with a 4xx: 401 for a
``CallbackSignatureError`` (catch it first), 400 for the rest. No message text ever
holds a password: reply bytes have the secret taken out where they are read (``failures``),
before anything is parsed or quoted. Which of these a call retries is decided in
``retries``.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

__all__ = [
    "ApiError",
    "AuthenticationError",
    "CallbackError",
    "CallbackSignatureError",
    "ConnectionFailedError",
    "DeleteError",
    "HTTPStatusError",
    "HostNotFoundError",
    "IPBlockedError",
    "InvalidParametersError",
    "LimitStoreError",
    "MalformedResponseError",
    "MessageNotFoundError",
    "RateLimitError",
    "ReceiptError",
    "RequestTimeoutError",
    "SmscError",
    "SoapFaultError",
    "StatusStoreError",
    "TLSError",
    "TransportError",
    "UnsupportedOperationError",
    "api_error",
]


_E = TypeVar("_E", bound="SmscError")


class SmscError(Exception):
    """The base of every error smsc-soap raises.

    ``attempts`` is how many requests the call handed to its transport before giving up: 0
    when it was refused before sending, more than 1 when it was retried. An error is built
    with 0; the client sets the count of the call it ends.
    """

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts

    def copy(self: _E) -> _E:
        """Another instance of this error, with the same attributes and cause: each item of a
        failed mass request carries its own."""
        twin = type(self).__new__(type(self), *self.args)
        twin.__dict__.update(self.__dict__)
        twin.__cause__ = self.__cause__
        twin.__suppress_context__ = True
        return twin

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} (after {self.attempts} attempts)" if self.attempts > 1 else text


class ApiError(SmscError):
    """An error code: the service's answer (``<error>N</error>``), or the client's refusal.

    ``from_service`` is True when the service answered with the code, False when the client
    refused before sending (bad input, its own rate limits, a lockout after error 2 or 4).
    """

    code: int
    description: str
    detail: str | None
    from_service: bool

    def __init__(self, code: int, *, detail: str | None = None, from_service: bool = False) -> None:
        self.code = code
        self.description = API_ERROR_DESCRIPTIONS.get(code, "Undocumented error code.")
        self.detail = detail
        self.from_service = from_service
        if from_service:
            text = f"SMSC error {code}: {self.description}"
            text = f"{text} ({detail})" if detail else text
        else:
            # The client's own refusal must not read like the service's answer.
            text = f"{detail or self.description} (refused by the client; nothing was sent)"
        super().__init__(text)


class _DocumentedApiError(ApiError):
    """An ``ApiError`` whose class fixes the code."""

    fixed_code: ClassVar[int]

    def __init__(self, detail: str | None = None, *, from_service: bool = False) -> None:
        super().__init__(self.fixed_code, detail=detail, from_service=from_service)


class InvalidParametersError(_DocumentedApiError, ValueError):
    """Error 1: the parameters are wrong. Also raised for bad input or options before anything
    is sent; ``option`` then names the argument or option at fault, where there is one."""

    fixed_code = 1

    def __init__(
        self, detail: str | None = None, *, from_service: bool = False, option: str | None = None
    ) -> None:
        super().__init__(detail, from_service=from_service)
        self.option = option


class AuthenticationError(_DocumentedApiError):
    """Error 2: wrong login or password, or a source IP outside the account's allowed list."""

    fixed_code = 2


class MessageNotFoundError(_DocumentedApiError):
    """Error 3: no message with that phone and id."""

    fixed_code = 3


class IPBlockedError(_DocumentedApiError):
    """Error 4: the service has blocked this IP address for a while."""

    fixed_code = 4


class DeleteError(_DocumentedApiError):
    """Error 5: the message could not be deleted."""

    fixed_code = 5


class RateLimitError(_DocumentedApiError):
    """Error 9: too many requests for one message, mass requests or concurrent requests."""

    fixed_code = 9


API_ERROR_DESCRIPTIONS: dict[int, str] = {
    1: "Error in parameters.",
    2: (
        "Invalid login or password, or the request came from an IP address"
        " outside the account's allowed list."
    ),
    3: "Message not found.",
    4: "The IP address is temporarily blocked.",
    5: "Error deleting a message.",
    9: (
        "Too many requests: more than five status requests for one message or more than one"
        " mass request within a minute, or five or more concurrent requests on one login."
    ),
}

_API_ERROR_CLASSES: dict[int, type[_DocumentedApiError]] = {
    cls.fixed_code: cls
    for cls in (
        InvalidParametersError,
        AuthenticationError,
        MessageNotFoundError,
        IPBlockedError,
        DeleteError,
        RateLimitError,
    )
}


def api_error(code: int, *, detail: str | None = None) -> ApiError:
    """The most specific ``ApiError`` for a code the service answered with."""
    cls = _API_ERROR_CLASSES.get(code)
    if cls is None:
        return ApiError(code, detail=detail, from_service=True)
    return cls(detail, from_service=True)


class TransportError(SmscError):
    """No usable answer came back from the service."""


class RequestTimeoutError(TransportError):
    """Connecting or reading took longer than the configured timeout."""


class ConnectionFailedError(TransportError):
    """The connection could not be made, or broke before the answer was complete."""


class HostNotFoundError(ConnectionFailedError):
    """The service's host name does not resolve (DNS); trying again at once will not help."""


class TLSError(ConnectionFailedError):
    """The TLS handshake or the certificate check failed; trying again will not help."""


class HTTPStatusError(TransportError):
    """The server answered with an HTTP error status and no SOAP answer.

    ``body`` is the start of the body (2,048 characters at most, the password taken out);
    ``retry_after`` the seconds the server asked to wait (its ``Retry-After``), if it said.
    """

    def __init__(self, status_code: int, body: str, *, retry_after: float | None = None) -> None:
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after
        wait = "" if retry_after is None else f", retry after {retry_after:g} s"
        super().__init__(f"HTTP {status_code} from the service{wait}: {body[:200]!r}")


class SoapFaultError(TransportError):
    """The server answered with a SOAP Fault."""

    def __init__(self, faultcode: str, faultstring: str, detail: str | None = None) -> None:
        self.faultcode = faultcode
        self.faultstring = faultstring
        self.detail = detail
        super().__init__(f"SOAP fault {faultcode}: {faultstring}")


class MalformedResponseError(TransportError):
    """The answer is not the documented reply: not XML, wrong element, bad or missing fields."""


class UnsupportedOperationError(SmscError):
    """The transport in use cannot do this: deletion or an API key over SOAP, for instance."""


class LimitStoreError(SmscError):
    """The store that keeps the service's limits (a SQLite file, a Redis server) could not be
    used. The client fails closed: nothing is sent without the limits."""


class StatusStoreError(SmscError):
    """The store that keeps the statuses the gateway learned (a SQLite file, a Redis server)
    could not be used, or did not answer in time. Unlike the limit store, it is not needed
    to answer: the gateway goes on answering from the service (its lookups, under the
    limits) while the store is out of use, and what was pushed meanwhile is not kept."""


class ReceiptError(SmscError):
    """A delivery receipt that cannot be read; ``field`` names the part at fault."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"receipt field {field!r}: {problem}")


class CallbackError(SmscError):
    """A callback of the service's status handler (a form of text fields) that cannot be read:
    of no kind the service sends, or with a required field missing or malformed. ``field``
    names the field at fault, None when it is the form as a whole. The text quotes no more of
    a field than its start."""

    def __init__(self, field: str | None, problem: str) -> None:
        self.field = field
        super().__init__(problem if field is None else f"callback field {field!r}: {problem}")


class CallbackSignatureError(CallbackError):
    """A callback whose ``md5``/``sha1`` signature is missing or does not match the secret.
    Neither the secret nor the signature it gives is ever part of the text."""
