"""Reading the SOAP requests a server of the service's interface receives, whatever arrives.

This is the server's side, and separate from the client's reply parser: a request that cannot
be read is the sender's mistake, answered with a ``SOAP-ENV:Client`` Fault, never a crash. Every
way a body can be unreadable (empty, cut short, not XML, not in its charset, carrying a DTD or
entities, nested too deep) raises ``UnreadableRequest`` and nothing else.
"""

from __future__ import annotations

import re

from lxml import etree

from smsc_soap.soap.hardened_xml import hardened_parser

__all__ = ["UnreadableRequest", "read_request"]

# An encoding in the XML declaration, in an ASCII-compatible body; it wins over the header's.
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=""", re.ASCII)
_CHARSET = re.compile(r""";\s*charset\s*=\s*"?([^";\s]*)""", re.IGNORECASE)


class UnreadableRequest(ValueError):
    """The request body is not an XML document this reads; says why."""


def read_request(body: bytes, content_type: str | None) -> etree._Element:
    """The root element of a request body, read with DTDs, entities and the network refused.

    The XML declaration's encoding wins, then the charset of ``content_type``, then UTF-8 (or
    the byte order mark). A body that is not valid in that encoding is refused, not guessed at.
    """
    if not body.strip():
        raise UnreadableRequest("the request body is empty")
    encoding = None if _DECLARED_ENCODING.match(body) else _charset(content_type)
    try:
        root = etree.fromstring(body, _parser(encoding))
    except etree.XMLSyntaxError as exc:
        raise UnreadableRequest(f"the request is not well-formed XML: {exc}") from exc
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise UnreadableRequest(f"the request cannot be read: {exc}") from exc
    docinfo = root.getroottree().docinfo
    # Any DOCTYPE, with an internal subset or not, shows as an internal DTD.
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnreadableRequest("the request carries a document type declaration, refused")
    if next(root.iter(etree.Entity), None) is not None:
        raise UnreadableRequest("the request refers to entities, refused")
    return root


def _charset(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header; unknown ones fail when the parser is made."""
    match = _CHARSET.search(content_type or "")
    if match is None:
        return None
    if not match.group(1):
        raise UnreadableRequest(f"the Content-Type names an empty charset: {content_type!r}")
    return match.group(1)


def _parser(encoding: str | None) -> etree.XMLParser:
    try:
        return hardened_parser(encoding)
    except LookupError as exc:
        raise UnreadableRequest(f"the request names an unknown charset {encoding!r}") from exc
