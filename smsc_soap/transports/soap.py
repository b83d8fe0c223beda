"""The SOAP transport: zeep builds the request from the WSDL, the reply is read by ``envelope``."""

from __future__ import annotations

import copy
import io
import logging
from collections.abc import Mapping
from os import PathLike
from typing import cast

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.wsdl.definitions import Binding

from ..envelope import SOAP_ENVELOPE_NS, parse_xml, soap_fault, status_fields
from ..errors import (
    InvalidParametersError,
    TransportError,
    UnsupportedOperationError,
)
from ..hosts import SOAP_PATH
from ..request import Credentials, StatusRequest
from ..wsdl import shipped_wsdl
from .failures import REDACTED, echoes_redacted, third_party_errors, translated
from .wire import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    Timeout,
    WireReply,
    WireTransport,
)

__all__ = ["SoapStatusTransport"]

logger = logging.getLogger("smsc_soap.transport.soap")

_FAULT_PATH = f"{{{SOAP_ENVELOPE_NS}}}Body/{{{SOAP_ENVELOPE_NS}}}Fault"
_OPERATIONS = ("get_status", "get_status2")


class SoapStatusTransport(WireTransport):
    """Status lookups over ``soap.php``: zeep builds each envelope from the WSDL.

    The WSDL comes from the package (the host's namespace put in) unless ``wsdl`` names a copy
    of the caller's. Requests go to ``https://{host}/sys/soap.php`` or to ``endpoint``, sent
    by ``Wire`` (timeouts, the call's deadline, a size cap, no redirects); zeep's own HTTP
    code, which logs the password and has no timeout, is never used for a lookup.
    """

    path = SOAP_PATH

    def __init__(
        self,
        *,
        host: str = "smsc.ru",
        endpoint: str | None = None,
        wsdl: str | PathLike[str] | None = None,
        allow_insecure_http: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            host=host,
            endpoint=endpoint,
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            max_response_bytes=max_response_bytes,
            session=session,
        )
        self._binding = _status_binding(_load_client(host, wsdl, self._wire.session, timeout))
        self._replies: dict[str, tuple[str, frozenset[str]]] = {}
        for operation in _OPERATIONS:
            reply = etree.QName(self._binding.get(operation).output.body.qname)
            self._replies[operation] = (reply.localname, _scheme_variants(reply.namespace))

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        if credentials.login is None:
            raise UnsupportedOperationError(
                "the SOAP interface takes a login and password, not an API key;"
                " use the HTTP transport for an API key"
            )
        secret = credentials.secret
        arguments = {
            "login": credentials.login,
            "psw": secret,
            "phone": request.phone,
            "id": request.message_id,
            "all": str(request.all),
        }
        if request.query is not None:
            arguments["query"] = request.query
        with third_party_errors():
            message = self._binding.get(request.operation).input.serialize(**arguments)
            body = etree.tostring(message.content, xml_declaration=True, encoding="utf-8")
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s\n%s", self.endpoint, _redacted_envelope(message.content))
        headers = {**message.headers, "Content-Type": "text/xml; charset=utf-8"}
        reply = self._wire.post(self.endpoint, body, headers, time_left=timeout)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("reply from %s\n%s", self.endpoint, reply.text(secret))
        element, namespaces = self._replies[request.operation]

        def read() -> Mapping[str, str]:
            if reply.status_code != 200:
                raise _error_reply(reply, secret)
            return status_fields(parse_xml(reply.content, reply.charset), element, namespaces)

        return echoes_redacted(secret, read)


def _load_client(
    host: str, wsdl: str | PathLike[str] | None, session: requests.Session, timeout: Timeout
) -> zeep.Client:
    # zeep's transport only fetches a caller's WSDL (and its imports) by URL.
    transport = zeep.Transport(session=session, timeout=timeout)
    settings = zeep.Settings(
        strict=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        xml_huge_tree=False,
    )
    source = io.BytesIO(shipped_wsdl(host)) if wsdl is None else str(wsdl)
    try:
        return zeep.Client(source, transport=transport, settings=settings)
    except requests.RequestException as exc:
        raise translated(exc) from exc
    except (OSError, zeep.exceptions.Error, etree.LxmlError) as exc:
        raise InvalidParametersError(f"the WSDL {wsdl!s} could not be loaded: {exc}") from exc


def _status_binding(client: zeep.Client) -> Binding:
    try:
        binding = client.wsdl.services["Service"].ports["ServiceSoap"].binding
        for operation in _OPERATIONS:
            binding.get(operation)
    except (KeyError, ValueError) as exc:
        raise InvalidParametersError(
            f"the WSDL does not describe the status service (Service/ServiceSoap): {exc}"
        ) from exc
    return cast(Binding, binding)


def _scheme_variants(namespace: str | None) -> frozenset[str]:
    # Hosts publish the namespace with http; WSDLs fetched over https have been seen with
    # https. Either is the same host's interface; another host's namespace is not.
    if namespace is None:
        raise InvalidParametersError("the WSDL's reply element has no namespace")
    rest = namespace.split("://", 1)[-1]
    return frozenset({namespace, f"http://{rest}", f"https://{rest}"})


def _error_reply(reply: WireReply, secret: str) -> TransportError:
    try:
        fault = parse_xml(reply.content, reply.charset).find(_FAULT_PATH)
    except TransportError:  # an error page that is not XML, or cut short: the status tells
        fault = None
    if fault is not None:
        return soap_fault(fault)
    return reply.status_error(secret)


def _redacted_envelope(envelope: etree._Element) -> str:
    shown = copy.deepcopy(envelope)
    for password in shown.iter("psw"):
        password.text = REDACTED
    return etree.tostring(shown, encoding="unicode")
