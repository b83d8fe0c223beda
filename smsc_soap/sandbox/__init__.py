"""A local SMSC: the SOAP and HTTP status APIs, and SMPP's query_sm and receipts, with the
service's rules and rough edges.

``Sandbox(SandboxApp(default_book()))`` serves it on 127.0.0.1 (``smpp_port=0`` adds SMPP);
``smsc-soap sandbox`` runs it from the command line, and ``smsc-soap demo`` checks its messages
with the real client.
"""

from ..serving.reply import Fault
from .app import SandboxApp, SandboxOptions
from .book import BookError, BookMessage, MessageBook, default_book
from .server import Sandbox
from .smpp_server import SmppServer

__all__ = [
    "BookError",
    "BookMessage",
    "Fault",
    "MessageBook",
    "Sandbox",
    "SandboxApp",
    "SandboxOptions",
    "SmppServer",
    "default_book",
]
