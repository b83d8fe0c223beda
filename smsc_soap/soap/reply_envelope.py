"""Reading SOAP reply envelopes: hardened XML parsing and the fields of ``statusresult``.

zeep's own reply parsing is not used: parsed strictly against the WSDL it fails on the first
element the WSDL does not declare, and parsed leniently it can drop the declared fields after
one. The service sends such elements (``sms_cnt``, ``flag``, ...) anywhere in the sequence, so
the reply is read here, element by element, keeping every one.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree

from smsc_soap.errors import MalformedResponseError, SoapFaultError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.soap.hardened_xml import hardened_parser

__all__ = ["SOAP_ENVELOPE_NS", "envelope_fields", "parse_xml"]

SOAP_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_ENVELOPE = f"{{{SOAP_ENVELOPE_NS}}}Envelope"
_BODY = f"{{{SOAP_ENVELOPE_NS}}}Body"
_FAULT = f"{{{SOAP_ENVELOPE_NS}}}Fault"
_WRAPPER = "statusresult"
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._:-]+)", re.ASCII)
# The service's default charset when none is asked for, and the usual culprit when a body
# labelled utf-8 does not decode.
_FALLBACK_CHARSET = "windows-1251"


def parse_xml(body: bytes, charset: str | None = None) -> etree._Element:
    """Parse a reply body with DTDs, entities and network access refused.

    The XML declaration's encoding wins, then ``charset`` (from the HTTP header), then UTF-8;
    a body that is not valid in that encoding is read as windows-1251.
    """
    if not body.strip():
        raise MalformedResponseError("the reply body is empty")
    declared = _DECLARED_ENCODING.match(body)
    encoding = declared.group(1).decode("ascii") if declared else (charset or "utf-8")
    # None lets lxml follow the declaration; an override replaces it.
    override = None if declared else encoding
    if not _decodes(body, encoding):
        override = _FALLBACK_CHARSET
    with mapped(Step.READ):
        root = etree.fromstring(body, hardened_parser(override))
    if root.getroottree().docinfo.internalDTD is not None:
        raise MalformedResponseError("the reply carries a DTD, which is refused")
    return root


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def envelope_fields(
    root: etree._Element, element: str, namespaces: Collection[str]
) -> dict[str, str]:
    """The children of ``statusresult`` as name -> text, in any order, undeclared ones too.

    ``element`` is the expected reply element's local name, qualified with one of
    ``namespaces``. A SOAP Fault raises ``SoapFaultError``; anything else that is not the
    documented reply raises ``MalformedResponseError``.
    """
    if root.tag != _ENVELOPE:
        raise MalformedResponseError(f"the reply is not a SOAP 1.1 envelope but {root.tag!r}")
    body = root.find(_BODY)
    reply = None if body is None else next(_elements(body), None)
    if reply is None:
        raise MalformedResponseError("the reply's SOAP Body is missing or empty")
    if reply.tag == _FAULT:
        raise soap_fault(reply)
    name = etree.QName(reply)
    if name.localname != element or name.namespace not in namespaces:
        raise MalformedResponseError(
            f"expected {element!r} in {' or '.join(sorted(namespaces))}, got {reply.tag!r}"
        )
    wrapper = next((child for child in _elements(reply) if _local(child) == _WRAPPER), None)
    if wrapper is None:
        raise MalformedResponseError(f"the reply has no {_WRAPPER!r} element")
    fields: dict[str, str] = {}
    for child in _elements(wrapper):
        field = _local(child)
        if field in fields:
            raise MalformedResponseError(f"the reply repeats the field {field!r}")
        fields[field] = _text_of(child)
    return fields


def soap_fault(fault: etree._Element) -> SoapFaultError:
    """The error for a SOAP 1.1 Fault element (its children are unqualified)."""
    detail = fault.find("detail")
    return SoapFaultError(
        faultcode=fault.findtext("faultcode", default="").strip(),
        faultstring=fault.findtext("faultstring", default="").strip(),
        detail=None if detail is None else _text_of(detail).strip(),
    )


def _elements(parent: etree._Element) -> etree._ElementIterator:
    return parent.iterchildren(tag=etree.Element)


def _text_of(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname
