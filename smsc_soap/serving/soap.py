"""SOAP requests read and replies written as the service's ``soap.php`` does.

Replies are in the namespace the request used (each host has its own), with a qualified top
element and unqualified children; API errors are ``<error>N</error>`` replies, not Faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from lxml import etree

from smsc_soap.service.hosts import service_namespace
from smsc_soap.serving.fields import Fields
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.request_reader import UnreadableRequest, read_request
from smsc_soap.soap.reply_envelope import SOAP_ENVELOPE_NS

__all__ = [
    "LEVELS",
    "REPLY_ELEMENTS",
    "SOAP_ENVELOPE_NS",
    "SoapOperation",
    "fault_reply",
    "read_operation",
    "status_envelope",
]


REPLY_ELEMENTS = {"status": "StatusResponse", "status2": "Status2Response"}
"""Each status operation's request element, and its reply's."""
LEVELS = {"": 0, "0": 0, "1": 1, "2": 2}
"""The ``all`` values the service takes, as levels of detail."""


@dataclass(frozen=True)
class SoapOperation:
    """A request's operation element: its local name, namespace and children's text."""

    name: str
    namespace: str
    params: dict[str, str]


def read_operation(body: bytes, content_type: str | None) -> SoapOperation | Reply:
    """The status operation a SOAP request asks for, or the Fault that refuses it."""
    try:
        root = read_request(body, content_type)
    except UnreadableRequest as error:
        return fault_reply("SOAP-ENV:Client", f"Bad Request: {error}")
    found = root.find(f"{{{SOAP_ENVELOPE_NS}}}Body")
    operation = None if found is None else next(found.iterchildren(tag=etree.Element), None)
    name = "" if operation is None else etree.QName(operation).localname
    if operation is None or name not in REPLY_ELEMENTS:
        return fault_reply("SOAP-ENV:Client", f"Procedure '{name}' not present")
    return SoapOperation(
        name=name,
        namespace=etree.QName(operation).namespace or service_namespace("smsc.ru"),
        params={
            etree.QName(child).localname: child.text or ""
            for child in operation.iterchildren(tag=etree.Element)
        },
    )


def status_envelope(namespace: str, element: str, fields: Fields, charset: str) -> bytes:
    envelope = etree.Element(
        f"{{{SOAP_ENVELOPE_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENVELOPE_NS, "ns1": namespace}
    )
    body = etree.SubElement(envelope, f"{{{SOAP_ENVELOPE_NS}}}Body")
    wrapper = etree.SubElement(etree.SubElement(body, f"{{{namespace}}}{element}"), "statusresult")
    for name, value in fields:
        etree.SubElement(wrapper, name).text = value
    return cast(bytes, etree.tostring(envelope, xml_declaration=True, encoding=charset))


def fault_reply(faultcode: str, faultstring: str) -> Reply:
    envelope = etree.Element(
        f"{{{SOAP_ENVELOPE_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENVELOPE_NS}
    )
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP_ENVELOPE_NS}}}Body"), f"{{{SOAP_ENVELOPE_NS}}}Fault"
    )
    etree.SubElement(fault, "faultcode").text = faultcode
    etree.SubElement(fault, "faultstring").text = faultstring
    document = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return Reply("500 Internal Server Error", "text/xml; charset=utf-8", document)
