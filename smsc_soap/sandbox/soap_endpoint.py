"""``POST /sys/soap.php``: get_status and get_status2, answered as the service answers them.

Replies are in the namespace the request used (each host has its own), with a qualified top
element and unqualified children; API errors are ``<error>N</error>`` replies, not faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from lxml import etree

from ..hosts import service_namespace
from .fields import SOAP_ORDER
from .reply import Reply
from .request_reader import UnreadableRequest, read_request

if TYPE_CHECKING:
    from .app import Fields, SandboxApp

__all__ = ["SOAP_ENVELOPE_NS", "answer_soap", "fault_reply", "status_envelope"]

SOAP_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"

_REPLY_ELEMENTS = {"status": "StatusResponse", "status2": "Status2Response"}
_ALL = {"": 0, "0": 0, "1": 1, "2": 2}


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
    if operation is None or name not in _REPLY_ELEMENTS:
        return fault_reply("SOAP-ENV:Client", f"Procedure '{name}' not present")
    return SoapOperation(
        name=name,
        namespace=etree.QName(operation).namespace or service_namespace("smsc.ru"),
        params={
            etree.QName(child).localname: child.text or ""
            for child in operation.iterchildren(tag=etree.Element)
        },
    )


def answer_soap(app: SandboxApp, body: bytes, content_type: str | None = None) -> Reply:
    operation = read_operation(body, content_type)
    if isinstance(operation, Reply):
        return operation
    name, params = operation.name, operation.params
    fault = app.fault_for([params.get("id", "")])
    if fault == "soap_fault":
        return fault_reply("SOAP-ENV:Server", "Internal Server Error")
    fields = _answer(app, params, needs_query=name == "status2")
    charset = app.options.soap_charset
    document = status_envelope(operation.namespace, _REPLY_ELEMENTS[name], fields, charset)
    return Reply("200 OK", f"text/xml; charset={charset}", document, fault)


def _answer(app: SandboxApp, params: dict[str, str], *, needs_query: bool) -> Fields:
    if not app.authorised(params):
        return [("error", "2")]
    with app.in_flight(params.get("login", "")) as admitted:
        if not admitted:
            return [("error", "9")]
        phone, message_id, all = params.get("phone"), params.get("id"), params.get("all", "")
        if (
            not phone
            or not message_id
            or all not in _ALL
            or (needs_query and "query" not in params)
        ):
            return [("error", "1")]
        found = app.look_up(params.get("login", ""), phone, message_id, SOAP_ORDER[_ALL[all]])
    if found is None:  # over SOAP an unknown message is error 3
        return [("error", "3")]
    if isinstance(found, int):
        return [("error", str(found))]
    return _with_undeclared(found, app)


def _with_undeclared(fields: Fields, app: SandboxApp) -> Fields:
    undeclared = list(app.options.undeclared)
    at = {"start": 0, "middle": len(fields) // 2, "end": len(fields)}[app.options.undeclared_at]
    return [*fields[:at], *undeclared, *fields[at:]]


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
