"""The WSDLs served at ``?wsdl``, and the address they send clients to: a public URL when one
is given (``serve --public-url``, for a gateway behind a TLS proxy), else the scheme and the
Host the request came with when that is a host and port, else the address the server listens
on.

The sandbox stands in for the service, so it serves the service's published WSDL (the copy
shipped in the package): a client tried against it meets the document it will meet live. The
gateway serves a WSDL of its own (``gateway_wsdl``): the same operations, names and
namespace, less the operations it does not answer, and with every field its replies carry
declared in the order it writes them, so that clients that read strictly against the WSDL
(suds, zeep, PHP's SoapClient, Node's soap) read every reply.

The Host header is the caller's to write: anything but a host and port in it is not used,
so that it cannot reach into the document.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from smsc_soap.errors import InvalidParametersError
from smsc_soap.service.hosts import service_namespace
from smsc_soap.serving.field_orders import REPLY_SEQUENCE
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.wsdl.shipped import shipped_wsdl

__all__ = [
    "SOAP_PATH",
    "checked_public_url",
    "gateway_wsdl",
    "gateway_wsdl_reply",
    "soap_location",
    "wsdl_reply",
]

SOAP_PATH = "/sys/soap.php"

_LOCATION = re.compile(rb'location="[^"]*"')

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_AND_PORT = re.compile(
    rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?", re.ASCII
)
_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*", re.ASCII)


def checked_public_url(url: str) -> str:
    """``url`` without a trailing slash, if it is an http or https URL with a host (and
    port), an optional path, and no query, fragment or credentials."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not _HOST_AND_PORT.fullmatch(parts.netloc)
        or not _PATH.fullmatch(parts.path)
        or parts.query
        or parts.fragment
        or url.endswith(("?", "#"))
    ):
        raise InvalidParametersError(
            f"{url!r} is not an http or https URL with a host, an optional path and no query",
            option="public_url",
        )
    return url.rstrip("/")


def soap_location(environ: Mapping[str, object], public_url: str | None, listening: str) -> str:
    """The WSDL's ``location="..."`` attribute for a request with ``environ``, the server
    listening on ``listening`` (host:port)."""
    if public_url is None:
        scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
        host = str(environ.get("HTTP_HOST") or "")
        public_url = f"{scheme}://{host if _HOST_AND_PORT.fullmatch(host) else listening}"
    return f"location={quoteattr(public_url + SOAP_PATH)}"


def wsdl_reply(host: str, location: str) -> HttpReply:
    """The shipped WSDL, in ``host``'s namespace, with ``location`` (from ``soap_location``)
    as its address."""
    document = _LOCATION.sub(lambda _: location.encode(), shipped_wsdl(host))
    return HttpReply("200 OK", "text/xml; charset=utf-8", document)


def gateway_wsdl_reply(host: str, location: str) -> HttpReply:
    """The gateway's WSDL, in ``host``'s namespace, with ``location`` (from ``soap_location``)
    as its address."""
    document = _LOCATION.sub(lambda _: location.encode(), gateway_wsdl(host))
    return HttpReply("200 OK", "text/xml; charset=utf-8", document)


# The input elements and the operations are the published WSDL's, so that a client built from
# either sends the same request; the reply's children are all optional strings.
_INPUTS = {
    "status": ("login", "psw", "phone", "id", "all?"),
    "status2": ("login", "psw", "phone", "id", "all?", "query"),
}
_HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
_OPERATIONS = (
    ("get_status", "status", "StatusResponse"),
    ("get_status2", "status2", "Status2Response"),
)


@functools.cache
def gateway_wsdl(host: str) -> bytes:
    """The gateway's WSDL in ``host``'s namespace, addressed to ``host`` until served."""
    namespace = service_namespace(host)
    inputs = "".join(
        f"""
      <xsd:element name="{element}">
        <xsd:complexType>
          <xsd:sequence>{"".join(_field(name) for name in names)}
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>"""
        for element, names in _INPUTS.items()
    )
    replies = "".join(
        f"""
      <xsd:element name="{reply}">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="statusresult" type="tns:statusresult"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>"""
        for _, _, reply in _OPERATIONS
    )
    messages = "".join(
        f"""
  <wsdl:message name="{operation}SoapIn">
    <wsdl:part name="parameters" element="tns:{element}"/>
  </wsdl:message>
  <wsdl:message name="{operation}SoapOut">
    <wsdl:part name="parameters" element="tns:{reply}"/>
  </wsdl:message>"""
        for operation, element, reply in _OPERATIONS
    )
    port_operations = "".join(
        f"""
    <wsdl:operation name="{operation}">
      <wsdl:input message="tns:{operation}SoapIn"/>
      <wsdl:output message="tns:{operation}SoapOut"/>
    </wsdl:operation>"""
        for operation, _, _ in _OPERATIONS
    )
    bound_operations = "".join(
        f"""
    <wsdl:operation name="{operation}">
      <soap:operation soapAction="{namespace}" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>"""
        for operation, _, _ in _OPERATIONS
    )
    result = "".join(_field(f"{name}?") for name in REPLY_SEQUENCE)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!--
  The smsc-soap gateway's SOAP interface: get_status and get_status2 of the SMS Center's
  soap.php, with every field its replies carry declared, in the order it writes them.
-->
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
                  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
                  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
                  xmlns:tns="{namespace}"
                  targetNamespace="{namespace}">
  <wsdl:types>
    <xsd:schema targetNamespace="{namespace}">{inputs}
      <xsd:complexType name="statusresult">
        <xsd:sequence>{result}
        </xsd:sequence>
      </xsd:complexType>{replies}
    </xsd:schema>
  </wsdl:types>
{messages}

  <wsdl:portType name="ServiceSoap">{port_operations}
  </wsdl:portType>

  <wsdl:binding name="ServiceSoap" type="tns:ServiceSoap">
    <soap:binding transport="{_HTTP_TRANSPORT}" style="document"/>{bound_operations}
  </wsdl:binding>

  <wsdl:service name="Service">
    <wsdl:port name="ServiceSoap" binding="tns:ServiceSoap">
      <soap:address location="{namespace}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
""".encode()


def _field(name: str) -> str:
    """An ``xsd:string`` element; ``name?`` an optional one."""
    optional = ' minOccurs="0"' if name.endswith("?") else ""
    return f"""
            <xsd:element name="{name.rstrip("?")}" type="xsd:string"{optional}/>"""
