"""Errors told to a shell user: the library names its options as keyword arguments
(``allow_insecure_http=True``, ``option 'host'``) and its calls (``reset_lockout()``); here
they become the flags that set them and the commands that do the same."""

from __future__ import annotations

import re

from smsc_soap.errors import SmscError

__all__ = ["for_the_shell"]

_FLAGS = {
    "allow_insecure_http": "--insecure-http",
    "api_key": "--api-key",
    "endpoint": "--endpoint",
    "host": "--host",
    "login": "--login",
    "password": "--password",
    "transport": "--transport",
}
_KEYWORD = re.compile(r"\b(?P<name>[a-z_]+)=(?P<value>True|'[^']*')")
_OPTION = re.compile(r"\boption '(?P<name>[a-z_]+)'")


def for_the_shell(error: SmscError) -> str:
    """``str(error)`` with keyword arguments and option names written as flags."""
    text = _KEYWORD.sub(_as_flag_with_value, str(error))
    text = text.replace("reset_lockout()", "`smsc-soap lockout reset`")
    return _OPTION.sub(lambda m: _FLAGS.get(m["name"], m[0]), text)


def _as_flag_with_value(match: re.Match[str]) -> str:
    flag = _FLAGS.get(match["name"])
    if flag is None:
        return match[0]
    value = match["value"]
    return flag if value == "True" else f"{flag} {value.strip(chr(39))}"
