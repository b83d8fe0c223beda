"""``-v`` and ``-vv``: what the command line logs to stderr.

``-v`` shows the client's own lines: one per request (operation, id, attempt, outcome, time
taken), each retry and any lockout. ``-vv`` shows every logger at DEBUG, the SOAP envelopes
(password redacted), zeep's schema loading and urllib3's connections among them.
"""

from __future__ import annotations

import logging

import click

__all__ = ["configure_logging"]

_REQUEST_LINES = "smsc_soap.client"


class _ToStderr(logging.Handler):
    # click.echo finds stderr when it writes, so the handler follows a stream swapped later.
    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def configure_logging(verbosity: int) -> None:
    """Send log records to stderr: none for 0, the request lines for 1, everything for 2."""
    if verbosity <= 0:
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ToStderr)]:
        root.removeHandler(handler)
    handler = _ToStderr()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.addHandler(handler)
    if verbosity >= 2:
        root.setLevel(logging.DEBUG)
        return
    root.setLevel(logging.WARNING)
    logging.getLogger(_REQUEST_LINES).setLevel(logging.DEBUG)
