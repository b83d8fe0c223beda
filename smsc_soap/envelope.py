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

from .errors import ConnectionFailedError, MalformedResponseError, SoapFaultError

__all__ = ["SOAP_ENVELOPE_NS", "parse_xml", "status_fields"]

SOAP_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_ENVELOPE = f"{{{SOAP_ENVELOPE_NS}}}Envelope"
_BODY = f"{{{SOAP_ENVELOPE_NS}}}Body"
_FAULT = f"{{{SOAP_ENVELOPE_NS}}}Fault"
_WRAPPER = "statusresult"
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=", re.ASCII)
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
    encoding = None if _DECLARED_ENCODING.match(body) else charset
    try:
        root = _parse(body, encoding)
    except etree.XMLSyntaxError as exc:
        if _ends_early(body, encoding):
            raise ConnectionFailedError(
                f"the reply ended before its XML was complete ({len(body)} bytes)"
            ) from exc
        if _decodes(body, encoding or "utf-8"):
            raise MalformedResponseError(f"the reply is not well-formed XML: {exc}") from exc
        try:
            root = _parse(body, _FALLBACK_CHARSET)
        except etree.XMLSyntaxError as retry_exc:
            raise MalformedResponseError(
                f"the reply is not well-formed XML: {retry_exc}"
            ) from retry_exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise MalformedResponseError("the reply carries a DTD, which is refused")
    return root


def _parse(body: bytes, encoding: str | None) -> etree._Element:
    return etree.fromstring(body, _parser(encoding))


def _ends_early(body: bytes, encoding: str | None) -> bool:
    """Whether ``body`` is the start of a document, cut off: a body truncated in transit.

    Fed piece by piece, the parser finds errors in what it has; only at the end does it
    find a document that is merely unfinished.
    """
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False  # not the start of any document
    parser = _parser(encoding)
    try:
        parser.feed(body)
    except etree.XMLSyntaxError:
        return False
    try:
        parser.close()
    except etree.XMLSyntaxError:
        return True
    return False


def _parser(encoding: str | None) -> etree.XMLParser:
    try:
        return etree.XMLParser(
            encoding=encoding,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
    except LookupError as exc:
        raise MalformedResponseError(f"the reply names an unknown charset {encoding!r}") from exc


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def status_fields(
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
