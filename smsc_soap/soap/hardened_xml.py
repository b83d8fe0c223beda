"""The one way XML is parsed here, replies and the sandbox's requests alike: no DTDs, no
entities, no network, no huge trees, comments and processing instructions dropped."""

from __future__ import annotations

from lxml import etree

__all__ = ["hardened_parser"]


def hardened_parser(encoding: str | None) -> etree.XMLParser:
    """A parser reading ``encoding`` (None: as the document declares); an unknown encoding
    raises ``LookupError``."""
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
