"""Comparing the shipped WSDL with a live one, and storing a fetched copy (``smsc-soap wsdl``)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from smsc_soap.errors import HTTPStatusError, MalformedResponseError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.wsdl.loader import load_wsdl, status_binding

__all__ = ["Drift", "OperationFields", "drift", "fetch_wsdl", "operations", "store_wsdl"]


@dataclass(frozen=True)
class OperationFields:
    """The element names an operation sends and gets back, nested ones as ``parent.child``."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def operations(document: bytes) -> dict[str, OperationFields]:
    """The operations of a WSDL's ``Service``/``ServiceSoap`` port, with their fields."""
    binding = status_binding(load_wsdl(document, step=Step.CHECK_WSDL), step=Step.CHECK_WSDL)
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
    with mapped(Step.SEND):
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
