"""The one way a WSDL becomes a zeep client: DTDs, entities, external references and huge
trees refused, any failure an ``SmscError``."""

from __future__ import annotations

import io
from os import PathLike
from typing import cast

import zeep
from zeep.wsdl.definitions import Binding

from smsc_soap.runtime.foreign_errors import Step, mapped

__all__ = ["STATUS_OPERATIONS", "load_wsdl", "status_binding"]

STATUS_OPERATIONS = ("get_status", "get_status2")

_SETTINGS = zeep.Settings(
    strict=True,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    xml_huge_tree=False,
)


def load_wsdl(
    source: bytes | str | PathLike[str],
    *,
    transport: zeep.Transport | None = None,
    step: Step = Step.LOAD_WSDL,
) -> zeep.Client:
    """A zeep client for a WSDL given as bytes, a path or a URL (fetched by ``transport``)."""
    document = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with mapped(step):
        return zeep.Client(document, transport=transport, settings=_SETTINGS)


def status_binding(client: zeep.Client, *, step: Step = Step.LOAD_WSDL) -> Binding:
    """The binding of the status service (``Service``/``ServiceSoap``), with both operations."""
    with mapped(step):
        binding = client.wsdl.services["Service"].ports["ServiceSoap"].binding
        for operation in STATUS_OPERATIONS:
            binding.get(operation)
    return cast(Binding, binding)
