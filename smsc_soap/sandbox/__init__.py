"""A local SMSC: the SOAP and HTTP status APIs, and SMPP's query_sm and receipts, with the
service's rules and rough edges.

``Sandbox(SandboxApp(default_book()))`` serves it on 127.0.0.1 (``smpp_port=0`` adds SMPP;
``SandboxOptions(callback_url=...)`` POSTs the book's status changes as the service's status
handler does);
``smsc-soap sandbox`` runs it from the command line, and ``smsc-soap demo`` checks its messages
with the real client.
"""

from smsc_soap.sandbox.app import SandboxApp, SandboxOptions
from smsc_soap.sandbox.book import BookError, BookMessage, MessageBook, default_book
from smsc_soap.sandbox.faults import Fault
from smsc_soap.sandbox.server import Sandbox
from smsc_soap.sandbox.smpp_server import SmppServer

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
