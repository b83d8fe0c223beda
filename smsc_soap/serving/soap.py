"""SOAP requests read and replies written as the service's ``soap.php`` does.

Replies are in the namespace the request used (each host has its own), with a qualified top
element and unqualified children; API errors are ``<error>N</error>`` replies, not Faults.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import cast

from lxml import etree

from smsc_soap.service.hosts import service_namespace
from smsc_soap.serving.field_orders import ReplyFields
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.serving.request_reader import UnreadableRequest, read_request
from smsc_soap.soap.reply_envelope import SOAP_ENVELOPE_NS

__all__ = [
    "DETAIL_LEVELS",
    "SOAP_ENVELOPE_NS",
    "SoapAnswer",
    "SoapRequest",
    "fault_reply",
    "read_soap_request",
    "soap_reply",
]

_REPLY_ELEMENTS = {"status": "StatusResponse", "status2": "Status2Response"}
DETAIL_LEVELS = {"": 0, "0": 0, "1": 1, "2": 2}
"""``all`` as a request spells it (empty: not given), and the detail it asks for."""

SoapAnswer = ReplyFields | int | None
"""A message's fields, an error code, or None for a message not found (error 3 over SOAP)."""


@dataclass(frozen=True)
class SoapRequest:
    """A status request: its operation (``status`` or ``status2``), the namespace it is in,
    and its parameters (the operation element's children's text)."""

    operation: str
    namespace: str
    params: dict[str, str]

    @property
    def login(self) -> str:
        return self.params.get("login", "")

    @property
    def password(self) -> str:
        return self.params.get("psw", "")

    @property
    def phone(self) -> str:
        return self.params.get("phone", "")

    @property
    def message_id(self) -> str:
        return self.params.get("id", "")

    @property
    def level(self) -> int | None:
        """The detail ``all`` asks for, 0 to 2; None for a value the service does not take."""
        return DETAIL_LEVELS.get(self.params.get("all", ""))

    @property
    def query(self) -> str | None:
        """``get_status2``'s query, None for ``get_status``."""
        return self.params.get("query") if self.operation == "status2" else None

    @property
    def well_formed(self) -> bool:
        """A phone, an id, a known ``all``, and for ``get_status2`` a query."""
        return bool(
            self.phone
            and self.message_id
            and self.level is not None
            and (self.operation != "status2" or self.query is not None)
        )

    def __repr__(self) -> str:  # the parameters hold the password
        return f"SoapRequest({self.operation}, id={self.message_id!r})"


MEMO_BODY_BYTES = 2048
"""Bodies up to this size are read once and their request kept (``MEMO_SIZE`` of the latest):
a poller sends one body again and again, and lxml's parse is most of what answering it from
a cache costs. Kept in this process's memory only, as the credentials of its clients are."""
MEMO_SIZE = 1024


def read_soap_request(body: bytes, content_type: str | None) -> SoapRequest | HttpReply:
    """The status request a SOAP body holds, or the Fault that refuses it."""
    if len(body) > MEMO_BODY_BYTES:
        return _read(body, content_type)
    read = _remembered(body, content_type)
    if isinstance(read, HttpReply):
        return read
    return SoapRequest(read.operation, read.namespace, dict(read.params))  # the caller's own


@functools.lru_cache(maxsize=MEMO_SIZE)
def _remembered(body: bytes, content_type: str | None) -> SoapRequest | HttpReply:
    return _read(body, content_type)


def _read(body: bytes, content_type: str | None) -> SoapRequest | HttpReply:
    try:
        root = read_request(body, content_type)
    except UnreadableRequest as error:
        return fault_reply("SOAP-ENV:Client", f"Bad Request: {error}")
    found = root.find(_BODY)
    operation = None if found is None else next(found.iterchildren(tag=etree.Element), None)
    namespace, name = ("", "") if operation is None else _split(operation.tag)
    if operation is None or name not in _REPLY_ELEMENTS:
        return fault_reply("SOAP-ENV:Client", f"Procedure '{name}' not present")
    return SoapRequest(
        operation=name,
        namespace=namespace or service_namespace("smsc.ru"),
        params={
            _split(child.tag)[1]: child.text or ""
            for child in operation.iterchildren(tag=etree.Element)
        },
    )


_BODY = f"{{{SOAP_ENVELOPE_NS}}}Body"


def _split(tag: str) -> tuple[str, str]:
    """An element's namespace (empty if none) and local name: what ``etree.QName`` tells,
    read from its tag, at a tenth of the cost."""
    if tag[:1] != "{":
        return "", tag
    namespace, _, local = tag[1:].partition("}")
    return namespace, local


def soap_reply(request: SoapRequest, answer: SoapAnswer, charset: str = "utf-8") -> HttpReply:
    """``answer`` as the reply to ``request``, in ``request``'s namespace and ``charset``."""
    if answer is None:  # over SOAP an unknown message is error 3
        answer = 3
    fields = [("error", str(answer))] if isinstance(answer, int) else answer
    envelope = etree.Element(
        f"{{{SOAP_ENVELOPE_NS}}}Envelope",
        nsmap={"SOAP-ENV": SOAP_ENVELOPE_NS, "ns1": request.namespace},
    )
    body = etree.SubElement(envelope, f"{{{SOAP_ENVELOPE_NS}}}Body")
    element = f"{{{request.namespace}}}{_REPLY_ELEMENTS[request.operation]}"
    wrapper = etree.SubElement(etree.SubElement(body, element), "statusresult")
    for name, value in fields:
        etree.SubElement(wrapper, name).text = value
    document = cast(bytes, etree.tostring(envelope, xml_declaration=True, encoding=charset))
    return HttpReply("200 OK", f"text/xml; charset={charset}", document)


def fault_reply(faultcode: str, faultstring: str) -> HttpReply:
    envelope = etree.Element(
        f"{{{SOAP_ENVELOPE_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENVELOPE_NS}
    )
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP_ENVELOPE_NS}}}Body"), f"{{{SOAP_ENVELOPE_NS}}}Fault"
    )
    etree.SubElement(fault, "faultcode").text = faultcode
    etree.SubElement(fault, "faultstring").text = faultstring
    document = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return HttpReply("500 Internal Server Error", "text/xml; charset=utf-8", document)
