"""The SOAP transport: requests written as zeep writes them, the reply read by ``envelope``."""

from __future__ import annotations

import zeep
from lxml import etree
from typing_extensions import Unpack

from smsc_soap.errors import InvalidParametersError, TransportError, UnsupportedOperationError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.hosts import SOAP_PATH
from smsc_soap.service.request import StatusRequest
from smsc_soap.soap.reply_envelope import SOAP_ENVELOPE_NS, envelope_fields, parse_xml, soap_fault
from smsc_soap.soap.request_envelope import EnvelopeTemplate
from smsc_soap.transports.base import Fields
from smsc_soap.transports.options import SoapOptionArgs, SoapOptions, soap_options
from smsc_soap.wire.http_post import WireReply, WireTransport
from smsc_soap.wsdl.loader import STATUS_OPERATIONS, load_wsdl, status_binding
from smsc_soap.wsdl.shipped import shipped_wsdl

__all__ = ["SoapStatusTransport"]

_FAULT_PATH = f"{{{SOAP_ENVELOPE_NS}}}Body/{{{SOAP_ENVELOPE_NS}}}Fault"
_COMMON = ("login", "psw", "phone", "id", "all")
_ARGUMENTS = {"get_status": _COMMON, "get_status2": (*_COMMON, "query")}


class SoapStatusTransport(WireTransport):
    """Status lookups over ``soap.php``: zeep writes each operation's envelope from the WSDL
    once, when the transport is built, and every call fills in its values.

    The WSDL comes from the package (the host's namespace put in) unless ``wsdl`` names a copy
    of the caller's. Requests go to ``https://{host}/sys/soap.php`` or to ``endpoint``, sent
    by ``Wire`` (timeouts, the call's deadline, a size cap, no redirects); zeep's own HTTP
    code, which logs the password and has no timeout, is never used for a lookup.
    """

    path = SOAP_PATH

    def __init__(
        self, options: SoapOptions | None = None, /, **given: Unpack[SoapOptionArgs]
    ) -> None:
        """Built from keyword options (``host``, ``endpoint``, ``wsdl``, ``timeout``, ...),
        or from a ``SoapOptions`` value made already."""
        resolved = SoapOptions.resolve(options, given, soap_options)
        super().__init__(resolved)
        # zeep's transport only fetches a caller's WSDL (and its imports) by URL.
        loader = zeep.Transport(session=self._wire.session, timeout=resolved.timeout)
        source = shipped_wsdl(resolved.host) if resolved.wsdl is None else resolved.wsdl
        binding = status_binding(load_wsdl(source, transport=loader))
        self._requests: dict[str, EnvelopeTemplate] = {}
        self._replies: dict[str, tuple[str, frozenset[str]]] = {}
        for operation in STATUS_OPERATIONS:
            with mapped(Step.LOAD_WSDL):
                self._requests[operation] = EnvelopeTemplate.compile(
                    binding.get(operation).input.serialize, _ARGUMENTS[operation]
                )
            reply = etree.QName(binding.get(operation).output.body.qname)
            self._replies[operation] = (reply.localname, _scheme_variants(reply.namespace))

    def fetch(self, credentials: Credentials, request: StatusRequest, *, timeout: float) -> Fields:
        if credentials.login is None or credentials.password is None:
            raise UnsupportedOperationError(
                "the SOAP interface takes a login and password, not an API key;"
                " use the HTTP transport for an API key"
            )
        arguments = {
            "login": credentials.login,
            "psw": credentials.password.get_secret_value(),
            "phone": request.phone,
            "id": request.message_id,
            "all": str(request.all),
        }
        if request.query is not None:
            arguments["query"] = request.query
        template = self._requests[request.operation]
        reply = self._wire.post(
            self.endpoints,
            template.fill(arguments),
            dict(template.headers),
            time_left=timeout,
            secret=credentials.secret,
        )
        if reply.status_code != 200:
            raise _error_reply(reply)
        element, namespaces = self._replies[request.operation]
        return envelope_fields(parse_xml(reply.content, reply.charset), element, namespaces)


def _scheme_variants(namespace: str | None) -> frozenset[str]:
    # Hosts publish the namespace with http; WSDLs fetched over https have been seen with
    # https. Either is the same host's interface; another host's namespace is not.
    if namespace is None:
        raise InvalidParametersError("the WSDL's reply element has no namespace")
    rest = namespace.split("://", 1)[-1]
    return frozenset({namespace, f"http://{rest}", f"https://{rest}"})


def _error_reply(reply: WireReply) -> TransportError:
    """A SOAP Fault, if the error page is one; else the HTTP status."""
    try:
        fault = parse_xml(reply.content, reply.charset).find(_FAULT_PATH)
    except TransportError:  # an error page that is not XML: its status tells
        fault = None
    return reply.status_error() if fault is None else soap_fault(fault)
