"""Binding an SMPP session, and the PDUs built and read with smpplib, for every session the
package opens: the transport's transmitter (query_sm) and the receipt receiver.

smpplib is imported at the first PDU, not with this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from smsc_soap.errors import ConnectionFailedError, InvalidParametersError, MalformedResponseError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service.credentials import Credentials
from smsc_soap.smpp.session import RequestHandler, SmppSession

__all__ = [
    "MAX_PASSWORD",
    "MAX_SYSTEM_ID",
    "BindMode",
    "bind_credentials",
    "bind_session",
    "build_pdu",
    "expect",
    "parsed",
    "unbind",
]

BindMode = Literal["transmitter", "receiver", "transceiver"]

# SMPP 3.4 caps the bind's fields, with their NUL: system_id at 16 octets, password at 9.
MAX_SYSTEM_ID = 15
MAX_PASSWORD = 8
_INTERFACE_VERSION = 0x34


def bind_credentials(credentials: Credentials) -> tuple[str, str]:
    """The login and password a bind sends; a clear error for what SMPP cannot carry."""
    if credentials.login is None or credentials.password is None:
        raise InvalidParametersError(
            "over SMPP the session binds with a login and password; an API key cannot bind",
            option="api_key",
        )
    login, password = credentials.login, credentials.password.get_secret_value()
    if len(login) > MAX_SYSTEM_ID or not login.isascii():
        raise InvalidParametersError(
            f"over SMPP the login is the system_id: at most {MAX_SYSTEM_ID} ASCII characters",
            option="login",
        )
    if len(password) > MAX_PASSWORD or not password.isascii():
        raise InvalidParametersError(
            f"over SMPP the password is at most {MAX_PASSWORD} ASCII characters",
            option="password",
        )
    return login, password


def bind_session(
    host: str,
    port: int,
    mode: BindMode,
    *,
    login: str,
    password: str,
    system_type: str,
    timeout: float,
    keepalive: float,
    max_pdu_bytes: int,
    io_timeout: float,
    on_request: RequestHandler | None = None,
    on_connected: Callable[[SmppSession], object] | None = None,
) -> SmppSession | int:
    """Connect, bind as ``mode`` and start the session's reader; or the bind's refusal (its
    nonzero command_status), the connection closed. ``ConnectionFailedError`` names the
    address when it cannot be reached. ``on_connected`` is given the session before the bind
    is sent, so that another thread can close it while the bind waits for its answer."""
    try:
        session = SmppSession.connect(
            host,
            port,
            timeout=timeout,
            keepalive=keepalive,
            max_pdu_bytes=max_pdu_bytes,
            on_request=on_request,
        )
    except ConnectionFailedError as error:
        refused = error.__cause__  # the socket's own words, told with their address
        if not isinstance(refused, OSError) or not refused.strerror:
            raise
        raise ConnectionFailedError(
            f"the SMPP connection to {host}:{port} could not be made: {refused.strerror.lower()}"
        ) from refused
    command = f"bind_{mode}"
    try:
        if on_connected is not None:
            on_connected(session)
        answer = parsed(
            session.exchange(
                lambda sequence: build_pdu(
                    command,
                    sequence,
                    system_id=login,
                    password=password,
                    system_type=system_type,
                    interface_version=_INTERFACE_VERSION,
                ),
                timeout=timeout,
            )
        )
        expect(answer, f"{command}_resp", command)
        if answer.status:
            session.close()
            return int(answer.status)
    except BaseException:
        session.close()
        raise
    session.start(io_timeout)
    return session


def build_pdu(command: str, sequence: int, **fields: object) -> bytes:
    """The bytes of one PDU smpplib builds, with the sequence number given."""
    from smpplib import smpp

    # Given a sequence, make_pdu asks no client for one; it still does not use it as the
    # PDU's, which is set after.
    made = smpp.make_pdu(command, sequence=sequence, **fields)
    made.sequence = sequence
    generated: bytes = made.generate()
    return generated


def unbind(sequence: int) -> bytes:
    """The farewell ``SmppSession.close`` sends."""
    return build_pdu("unbind", sequence)


def parsed(frame: bytes) -> Any:
    """The smpplib PDU read from ``frame``, a response."""
    from smpplib import smpp

    with mapped(Step.READ):
        return smpp.parse_pdu(frame, allow_unknown_opt_params=True)


def expect(answer: Any, command: str, asked: str) -> None:
    """``MalformedResponseError`` unless ``answer`` is a ``command``."""
    if answer.command == "generic_nack":
        raise MalformedResponseError(
            f"the SMPP server could not take the {asked} (generic_nack, status"
            f" 0x{answer.status:08x})"
        )
    if answer.command != command:
        raise MalformedResponseError(f"the SMPP server answered {asked} with {answer.command}")
