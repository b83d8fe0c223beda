"""A local SMSC: the SOAP and HTTP status APIs, with the service's rules and rough edges.

``Sandbox(SandboxApp(default_book()))`` serves it on 127.0.0.1; ``smsc-soap sandbox`` runs it
from the command line, and ``smsc-soap demo`` checks its messages with the real client.
"""

from .app import SandboxApp, SandboxOptions
from .book import BookError, BookMessage, MessageBook, default_book
from .reply import Fault
from .server import Sandbox

__all__ = [
    "BookError",
    "BookMessage",
    "Fault",
    "MessageBook",
    "Sandbox",
    "SandboxApp",
    "SandboxOptions",
    "default_book",
]
