"""The WSDL shipped in the package as ``wsdl_cache``: read from disk, no network.

The copy is written for smsc.ru. Every regional host publishes the same document with its own
host in the namespace, the soapAction and the address, so the copy for another host is the
same text with that one string replaced.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from smsc_soap.service.hosts import service_namespace

__all__ = ["manifest", "shipped_wsdl"]

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
