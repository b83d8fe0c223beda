"""SMPP 3.4's numbers and its PDU header, written once for the transport and the sandbox.

Only what both sides need: the command ids, the command statuses (``ESME_*``) and the 16-byte
header every PDU begins with. Plain ``struct``, so that importing it loads no SMPP library.
"""

from __future__ import annotations

import struct

__all__ = [
    "BIND_RECEIVER",
    "BIND_TRANSCEIVER",
    "BIND_TRANSMITTER",
    "DELIVER_SM",
    "ENQUIRE_LINK",
    "ESME_RALYBND",
    "ESME_RBINDFAIL",
    "ESME_RINVBNDSTS",
    "ESME_RINVCMDID",
    "ESME_RINVCMDLEN",
    "ESME_RINVMSGID",
    "ESME_RINVPASWD",
    "ESME_RINVSRCADR",
    "ESME_RINVSRCNPI",
    "ESME_RINVSRCTON",
    "ESME_RINVSYSID",
    "ESME_RQUERYFAIL",
    "ESME_RSYSERR",
    "ESME_RTHROTTLED",
    "GENERIC_NACK",
    "HEADER",
    "QUERY_SM",
    "RESPONSE_BIT",
    "UNBIND",
    "header_of",
    "pdu",
]

HEADER = struct.Struct(">LLLL")  # command_length, command_id, command_status, sequence_number

RESPONSE_BIT = 0x80000000
"""Set in the command_id of every response."""

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
QUERY_SM = 0x00000003
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
BIND_TRANSCEIVER = 0x00000009
ENQUIRE_LINK = 0x00000015

ESME_RINVCMDLEN = 0x00000002
ESME_RINVCMDID = 0x00000003
ESME_RINVBNDSTS = 0x00000004  # "incorrect bind status": not bound, or bound for other PDUs
ESME_RALYBND = 0x00000005
ESME_RSYSERR = 0x00000008
ESME_RINVSRCADR = 0x0000000A
ESME_RINVMSGID = 0x0000000C
ESME_RBINDFAIL = 0x0000000D
ESME_RINVPASWD = 0x0000000E
ESME_RINVSYSID = 0x0000000F
ESME_RINVSRCTON = 0x00000048
ESME_RINVSRCNPI = 0x00000049
ESME_RTHROTTLED = 0x00000058
ESME_RQUERYFAIL = 0x00000067


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    """A whole PDU: the header, its length counted, then ``body``."""
    return HEADER.pack(HEADER.size + len(body), command_id, status, sequence) + body


def header_of(raw: bytes) -> tuple[int, int, int]:
    """A PDU's command_id, command_status and sequence_number."""
    _, command_id, status, sequence = HEADER.unpack_from(raw)
    return command_id, status, sequence
