"""The command line's exit codes, written down once (``--help`` and the README show them)."""

from __future__ import annotations

from enum import IntEnum

from smsc_soap.errors import (
    AuthenticationError,
    InvalidParametersError,
    IPBlockedError,
    LimitStoreError,
    MessageNotFoundError,
    RateLimitError,
    SmscError,
    TransportError,
)

__all__ = ["EXIT_CODES_HELP", "ExitCode", "exit_code_for"]


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    AUTHENTICATION = 3
    RATE_LIMITED = 4
    TRANSPORT = 5
    NOT_FOUND = 6
    FAILED_ROWS = 7
    SYSTEM = 8
    INTERRUPTED = 130


MEANINGS = {
    ExitCode.OK: "every lookup found its message (wsdl diff: no drift)",
    ExitCode.ERROR: "anything else went wrong (wsdl diff: drift found)",
    ExitCode.USAGE: "bad options or input, or an output in use or not the batch's; nothing sent",
    ExitCode.AUTHENTICATION: "wrong credentials (error 2) or a blocked IP (error 4)",
    ExitCode.RATE_LIMITED: "the service's limits (error 9), after waiting and retrying",
    ExitCode.TRANSPORT: "no usable answer: timeout, connection, HTTP error, fault, bad reply",
    ExitCode.NOT_FOUND: "the message was not found (error 3)",
    ExitCode.FAILED_ROWS: "a batch finished, and some rows carry an error instead of a status",
    ExitCode.SYSTEM: "a file, address or limit store could not be used: missing, read-only, down",
    ExitCode.INTERRUPTED: "stopped by Ctrl-C; run the batch again to resume it",
}

_BY_ERROR: list[tuple[type[SmscError], ExitCode]] = [
    (InvalidParametersError, ExitCode.USAGE),
    (AuthenticationError, ExitCode.AUTHENTICATION),
    (IPBlockedError, ExitCode.AUTHENTICATION),
    (RateLimitError, ExitCode.RATE_LIMITED),
    (MessageNotFoundError, ExitCode.NOT_FOUND),
    (TransportError, ExitCode.TRANSPORT),
    (LimitStoreError, ExitCode.SYSTEM),  # its file or server cannot be used
]


def exit_code_for(error: SmscError) -> ExitCode:
    return next((code for cls, code in _BY_ERROR if isinstance(error, cls)), ExitCode.ERROR)


EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {int(code):>3}  {meaning}" for code, meaning in MEANINGS.items()
)
