"""Listening for delivery receipts over SMPP with smpplib: each DELIVER_SM a ``MessageStatus``.

smpplib reads the PDUs and answers them; it does not know the service's own TLVs
(0x2000-0x2004) and drops them, so ``ReceiptClient`` keeps each PDU's bytes and the TLVs are
read from there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import smpplib.client

from smsc_soap.errors import InvalidParametersError, ReceiptError
from smsc_soap.models import MessageStatus
from smsc_soap.smpp.receipts import ReceiptParts, TlvValue, parse_receipt

__all__ = ["DeliverSm", "ReceiptClient", "ReceiptListener", "deliver_sm_tlvs", "read_deliver_sm"]

logger = logging.getLogger("smsc_soap.smpp.listener")

_HEADER = 16
_RECEIPT_BIT = 0x04  # esm_class: "SMSC delivery receipt"


class ReceiptClient(smpplib.client.Client):  # type: ignore[misc]
    """smpplib's client, keeping the bytes of each PDU it reads (as ``pdu.raw``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_unknown_opt_params", True)
        super().__init__(*args, **kwargs)
        self._received: list[bytes] = []

    def _recv_exact(self, exact_size: int) -> bytes:
        data: bytes = super()._recv_exact(exact_size)
        self._received.append(data)
        return data

    def read_pdu(self) -> Any:
        self._received = []
        pdu = super().read_pdu()
        pdu.raw = b"".join(self._received)
        return pdu


@dataclass(frozen=True)
class DeliverSm:
    """A DELIVER_SM read from its bytes, without smpplib (which drops, with a warning on the
    root of its logging, the TLVs it does not know): what reading a receipt needs."""

    source_addr: bytes
    esm_class: int
    short_message: bytes
    raw: bytes


def read_deliver_sm(raw: bytes) -> DeliverSm:
    """The fields of the DELIVER_SM PDU ``raw`` (header and all) a receipt is read from;
    ``ReceiptError`` if it is malformed."""
    source_addr, esm_class, short_message, _ = _fields(raw)
    deliver_sm_tlvs(raw)  # a PDU that ends inside its TLVs is no receipt
    return DeliverSm(source_addr, esm_class, short_message, raw)


def deliver_sm_tlvs(raw: bytes) -> dict[int, bytes]:
    """The optional parameters of a DELIVER_SM PDU, tag to value bytes, unknown ones too."""
    position = _fields(raw)[3]
    tlvs: dict[int, bytes] = {}
    while position + 4 <= len(raw):
        tag = int.from_bytes(raw[position : position + 2], "big")
        length = int.from_bytes(raw[position + 2 : position + 4], "big")
        tlvs[tag] = raw[position + 4 : position + 4 + length]
        position += 4 + length
    if position != len(raw):
        raise ReceiptError("deliver_sm", "the PDU ends inside an optional parameter")
    return tlvs


def _fields(raw: bytes) -> tuple[bytes, int, bytes, int]:
    """source_addr, esm_class and short_message, and where the TLVs begin."""
    position = _skip_c_string(raw, _HEADER)  # service_type
    source_start = position + 2  # after source_addr's ton and npi
    position = _skip_c_string(raw, source_start)
    source_addr = raw[source_start : position - 1]
    position = _skip_c_string(raw, position + 2)  # destination_addr
    esm_class_at = position
    position = _skip_c_string(raw, position + 3)  # schedule_delivery_time
    position = _skip_c_string(raw, position)  # validity_period
    position += 4  # registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    if position >= len(raw):
        raise ReceiptError("deliver_sm", "the PDU ends inside its mandatory fields")
    length = raw[position]
    short_message = raw[position + 1 : position + 1 + length]
    return source_addr, raw[esm_class_at], short_message, position + 1 + length


def _skip_c_string(raw: bytes, position: int) -> int:
    end = raw.find(b"\0", position)
    if end < 0:
        raise ReceiptError("deliver_sm", "a C-octet string has no terminating NUL")
    return end + 1


class ReceiptListener:
    """Turns the DELIVER_SM PDUs smpplib hands over into ``MessageStatus`` objects.

    ``on_status`` gets each receipt's status; with ``group_parts=True`` (for per-part
    receipts, ``system-type = "SINGLE"``) ``on_parts`` gets all the parts of a message at
    once instead. A malformed receipt goes to ``on_error`` (logged as a warning if there is
    none) and is still acknowledged, so the service does not send it again and again;
    DELIVER_SMs that are not receipts (incoming messages) go to ``on_message`` if given.
    smpplib acknowledges after this returns: if a callback raises, nothing is acknowledged,
    the exception ends the client's ``listen()``, and the service delivers the PDU again.
    """

    def __init__(
        self,
        on_status: Callable[[MessageStatus], object] | None = None,
        *,
        on_parts: Callable[[tuple[MessageStatus, ...]], object] | None = None,
        on_error: Callable[[ReceiptError], object] | None = None,
        on_message: Callable[[Any], object] | None = None,
    ) -> None:
        if (on_status is None) == (on_parts is None):
            raise InvalidParametersError(
                "give on_status, or on_parts to have per-part receipts grouped"
            )
        self.on_status = on_status
        self.on_parts = on_parts
        self.on_error = on_error
        self.on_message = on_message
        self.parts = ReceiptParts()

    def attach(self, client: smpplib.client.Client) -> None:
        """Make this listener the client's handler of received messages."""
        client.set_message_received_handler(self)

    def __call__(self, pdu: Any, **kwargs: object) -> None:
        if not int(getattr(pdu, "esm_class", 0) or 0) & _RECEIPT_BIT:
            if self.on_message is not None:
                self.on_message(pdu)
            return
        try:
            status = self.status_of(pdu)
        except ReceiptError as error:
            if self.on_error is None:
                logger.warning("an unreadable delivery receipt was acknowledged: %s", error)
            else:
                self.on_error(error)
            return
        if self.on_parts is not None:
            parts = self.parts.add(status)
            if parts is not None:
                self.on_parts(parts)
        elif self.on_status is not None:
            self.on_status(status)

    @staticmethod
    def status_of(pdu: Any) -> MessageStatus:
        """The status one receipt PDU reports."""
        raw = getattr(pdu, "raw", None)
        tlvs: Mapping[int, TlvValue] = deliver_sm_tlvs(raw) if raw else _standard_tlvs(pdu)
        phone = pdu.source_addr
        return parse_receipt(
            pdu.short_message or b"",
            tlvs,
            phone=phone.decode("latin-1") if isinstance(phone, bytes) else str(phone or ""),
        )


def _standard_tlvs(pdu: Any) -> dict[int, TlvValue]:
    """The TLVs smpplib itself keeps, for a PDU read by a plain smpplib client."""
    named = {
        0x001E: getattr(pdu, "receipted_message_id", None),
        0x0427: getattr(pdu, "message_state", None),
        0x0423: getattr(pdu, "network_error_code", None),
    }
    return {tag: value for tag, value in named.items() if value is not None}
