"""Every failure smsc-soap raises, as one tree::

    SmscError
    ├── ApiError                      the service answered <error>N</error>  (.code, .description)
    │   ├── InvalidParametersError    1, and bad input refused before sending (also a ValueError)
    │   ├── AuthenticationError       2
    │   ├── MessageNotFoundError      3
    │   ├── IPBlockedError            4
    │   ├── DeleteError               5
    │   └── RateLimitError            9
    └── TransportError                no usable answer came back
        ├── RequestTimeoutError       connect or read timed out
        ├── ConnectionFailedError     no connection, or it broke
        ├── HTTPStatusError           an HTTP error status, no SOAP answer  (.status_code, .body)
        ├── SoapFaultError            a SOAP Fault  (.faultcode, .faultstring, .detail)
        └── MalformedResponseError    an answer that is not the documented reply

An ``ApiError`` with a code the service has not documented is raised as ``ApiError`` itself,
carrying that code. No message text ever holds a password: errors are built from codes and
reply fragments that the transports redact before they get here.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConnectionFailedError",
    "DeleteError",
    "HTTPStatusError",
    "IPBlockedError",
    "InvalidParametersError",
    "MalformedResponseError",
    "MessageNotFoundError",
    "RateLimitError",
    "RequestTimeoutError",
    "SmscError",
    "SoapFaultError",
    "TransportError",
    "api_error",
]


class SmscError(Exception):
    """The base of every error smsc-soap raises."""


class ApiError(SmscError):
    """The service refused the request with an error code (``<error>N</error>``)."""

    code: int
    description: str
    detail: str | None

    def __init__(self, code: int, *, detail: str | None = None) -> None:
        self.code = code
        self.description = API_ERROR_DESCRIPTIONS.get(code, "Undocumented error code.")
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"SMSC error {self.code}: {self.description}"
        return f"{text} ({self.detail})" if self.detail else text


class _DocumentedApiError(ApiError):
    """An ``ApiError`` whose class fixes the code."""

    fixed_code: ClassVar[int]

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(self.fixed_code, detail=detail)


class InvalidParametersError(_DocumentedApiError, ValueError):
    """Error 1: the parameters are wrong. Also raised for bad input before anything is sent."""

    fixed_code = 1


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
    return cls(detail) if cls else ApiError(code, detail=detail)


class TransportError(SmscError):
    """No usable answer came back from the service."""


class RequestTimeoutError(TransportError):
    """Connecting or reading took longer than the configured timeout."""


class ConnectionFailedError(TransportError):
    """The connection could not be made, or broke before the answer was complete."""


class HTTPStatusError(TransportError):
    """The server answered with an HTTP error status and no SOAP answer."""

    def __init__(self, status_code: int, body: str) -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(f"HTTP {status_code} from the service: {body[:200]!r}")


class SoapFaultError(TransportError):
    """The server answered with a SOAP Fault."""

    def __init__(self, faultcode: str, faultstring: str, detail: str | None = None) -> None:
        self.faultcode = faultcode
        self.faultstring = faultstring
        self.detail = detail
        super().__init__(f"SOAP fault {faultcode}: {faultstring}")


class MalformedResponseError(TransportError):
    """The answer is not the documented reply: not XML, wrong element, bad or missing fields."""
