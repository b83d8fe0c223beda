"""The service's WSDL: the project's own copy, shipped in the package as ``wsdl_cache``, and
the tools to compare it with a live one.

The copy is written for smsc.ru. Every regional host publishes the same document with its own
host in the namespace, the soapAction and the address, so the copy for another host is the
same text with that one string replaced.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any

import requests
import zeep
import zeep.exceptions
from lxml import etree

from .errors import HTTPStatusError, MalformedResponseError
from .hosts import service_namespace
from .transports.failures import third_party_errors

__all__ = [
    "Drift",
    "OperationFields",
    "drift",
    "fetch_wsdl",
    "manifest",
    "operations",
    "shipped_wsdl",
    "store_wsdl",
]

_PACKAGE = "smsc_soap.wsdl_cache"


@functools.cache
def manifest() -> dict[str, Any]:
    """The shipped copy's manifest: file, source URL, namespace, sha256."""
    loaded: dict[str, Any] = json.loads(files(_PACKAGE).joinpath("manifest.json").read_text())
    return loaded


@functools.cache
def shipped_wsdl(host: str) -> bytes:
    """The WSDL as ``host`` publishes it, read from the package: no network."""
    info = manifest()
    document = files(_PACKAGE).joinpath(info["file"]).read_bytes()
    return document.replace(info["namespace"].encode(), service_namespace(host).encode())


@dataclass(frozen=True)
class OperationFields:
    """The element names an operation sends and gets back, nested ones as ``parent.child``."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def operations(document: bytes) -> dict[str, OperationFields]:
    """The operations of a WSDL's ``Service``/``ServiceSoap`` port, with their fields."""
    settings = zeep.Settings(
        strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        client = zeep.Client(io.BytesIO(document), settings=settings)
        binding = client.wsdl.services["Service"].ports["ServiceSoap"].binding
    except (zeep.exceptions.Error, etree.LxmlError, KeyError, ValueError) as exc:
        raise MalformedResponseError(f"not a WSDL of the status service: {exc}") from exc
    return {
        name: OperationFields(
            inputs=_field_names(operation.input.body), outputs=_field_names(operation.output.body)
        )
        for name, operation in sorted(binding.all().items())
    }


def _field_names(element: Any, prefix: str = "") -> tuple[str, ...]:
    names: list[str] = []
    for name, child in getattr(element.type, "elements", []):
        names.append(prefix + name)
        names.extend(_field_names(child, f"{prefix}{name}."))
    return tuple(names)


@dataclass(frozen=True)
class Drift:
    """What changed from one WSDL to another."""

    added_operations: tuple[str, ...]
    removed_operations: tuple[str, ...]
    added_fields: dict[str, tuple[str, ...]]
    removed_fields: dict[str, tuple[str, ...]]

    def __bool__(self) -> bool:
        return bool(
            self.added_operations
            or self.removed_operations
            or self.added_fields
            or self.removed_fields
        )


def drift(old: Mapping[str, OperationFields], new: Mapping[str, OperationFields]) -> Drift:
    added: dict[str, tuple[str, ...]] = {}
    removed: dict[str, tuple[str, ...]] = {}
    for name in sorted(old.keys() & new.keys()):
        before = {*_tagged(old[name])}
        after = {*_tagged(new[name])}
        if after - before:
            added[name] = tuple(sorted(after - before))
        if before - after:
            removed[name] = tuple(sorted(before - after))
    return Drift(
        added_operations=tuple(sorted(new.keys() - old.keys())),
        removed_operations=tuple(sorted(old.keys() - new.keys())),
        added_fields=added,
        removed_fields=removed,
    )


def _tagged(fields: OperationFields) -> list[str]:
    return [f"in {name}" for name in fields.inputs] + [f"out {name}" for name in fields.outputs]


def fetch_wsdl(url: str, *, timeout: float = 30.0, max_bytes: int = 1 << 20) -> bytes:
    """A live WSDL (``https://{host}/sys/soap.php?wsdl``), checked to be the status service's."""
    with third_party_errors():
        response = requests.get(url, timeout=timeout, stream=True, allow_redirects=False)
        try:
            if response.status_code != 200:
                raise HTTPStatusError(response.status_code, response.text[:2048])
            document = response.raw.read(max_bytes + 1, decode_content=True)
        finally:
            response.close()
    if len(document) > max_bytes:
        raise MalformedResponseError(f"the WSDL is larger than {max_bytes} bytes")
    operations(document)
    return document


def store_wsdl(document: bytes, source: str, directory: Path) -> Path:
    """Write a fetched WSDL and its manifest into ``directory`` (a user cache, never the
    package), each replaced whole so a crash leaves the old copy or the new one."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "soap.wsdl"
    _replace(path, document)
    record = {
        "file": path.name,
        "source": source,
        "sha256": hashlib.sha256(document).hexdigest(),
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _replace(directory / "manifest.json", json.dumps(record, indent=2).encode())
    return path


def _replace(path: Path, content: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
