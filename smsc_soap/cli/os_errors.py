"""Operating-system errors told in one line: what could not be done, to what, and why."""

from __future__ import annotations

import errno

__all__ = ["os_error_text"]

# The words of the C library are for programmers; these are for whoever runs the command.
_PLAINER = {
    errno.EADDRINUSE: "the port is already in use",
    errno.EADDRNOTAVAIL: "the address is not one of this machine's",
}


def os_error_text(error: OSError, doing: str | None = None) -> str:
    """``doing: reason`` (``cannot write out.csv: permission denied``), or the file the error
    names and its reason when ``doing`` is not given."""
    reason = _PLAINER.get(error.errno or 0) or error.strerror or str(error) or type(error).__name__
    reason = reason[:1].lower() + reason[1:]
    if doing is None:
        doing = str(error.filename) if error.filename is not None else ""
    return f"{doing}: {reason}" if doing else reason
