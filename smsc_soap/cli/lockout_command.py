"""``smsc-soap lockout show|reset``: what the lockout holds after the service refused a
password or blocked the IP, and ending it once the cause is fixed."""

from __future__ import annotations

import sys
import time
from typing import NoReturn
from urllib.parse import urlsplit

import click

from smsc_soap.cli.exit_codes import exit_code_for
from smsc_soap.cli.settings import ConnectionSettings, connection_options, default_limits
from smsc_soap.cli.wording import for_the_shell
from smsc_soap.errors import SmscError
from smsc_soap.limits.lockout import REFUSED_BUDGET, Holds, clear_holds, holds_of
from smsc_soap.limits.stores import LimitStore, open_limit_store
from smsc_soap.service.credentials import Credentials

__all__ = ["lockout"]


@click.group()
def lockout() -> None:
    """After a wrong password or an IP block: show what is held back, or reset it."""


@lockout.command()
@connection_options
def show(settings: ConnectionSettings) -> None:
    """What is held for the login (--login, SMSC_LOGIN) at the service's host."""
    store = _store(settings)
    try:
        holds = holds_of(store, _scope(store, settings), _host_of(settings))
        mine = _fingerprint(store, settings)
    except SmscError as error:
        _fail(error)
    finally:
        store.close()
    click.echo(f"login {_login(settings)} at {_host_of(settings)}:")
    for line in _told(holds, mine):
        click.echo(f"  {line}")


@lockout.command()
@connection_options
def reset(settings: ConnectionSettings) -> None:
    """End the holds of the login (--login, SMSC_LOGIN) at the service's host: after fixing
    the password, or once a block is known to be over."""
    store = _store(settings)
    try:
        clear_holds(store, _scope(store, settings), _host_of(settings))
    except SmscError as error:
        _fail(error)
    finally:
        store.close()
    click.echo(f"the lockout of login {_login(settings)} at {_host_of(settings)} is reset")


def _told(holds: Holds, mine: str | None) -> list[str]:
    lines = []
    if holds.blocked_for is not None:
        lines.append(f"the IP is held as blocked for {_minutes(holds.blocked_for)} more")
    for digest, left in holds.refused:
        which = "the password given" if digest == mine else "a password"
        lines.append(f"{which} was refused: not sent again for {_minutes(left)}")
    if len(holds.refused) >= REFUSED_BUDGET:
        lines.append(
            f"{len(holds.refused)} passwords refused: only a password the service accepted"
            " before is tried until the first hold ends"
        )
    if not lines:
        lines.append("nothing is held")
    else:
        lines.append("to try again now: smsc-soap lockout reset")
    return lines


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _store(settings: ConnectionSettings) -> LimitStore:
    try:
        return open_limit_store(settings.limits or default_limits(), clock=time.monotonic)
    except SmscError as error:
        _fail(error)


def _scope(store: LimitStore, settings: ConnectionSettings) -> str:
    if settings.login:
        return settings.login
    if settings.api_key is not None:
        return Credentials.of(None, None, settings.api_key).scope(store.salt())
    raise click.UsageError("name the login: --login LOGIN or SMSC_LOGIN")


def _fingerprint(store: LimitStore, settings: ConnectionSettings) -> str | None:
    """The fingerprint of the password given, to tell whether it is one of those refused."""
    if not settings.login or settings.password is None:
        return None
    return Credentials.of(settings.login, settings.password).fingerprint(store.salt())


def _login(settings: ConnectionSettings) -> str:
    return settings.login or "(API key)"


def _host_of(settings: ConnectionSettings) -> str:
    # As the client keys its holds: the endpoint's host when one is given.
    endpoint_host = urlsplit(settings.endpoint).hostname if settings.endpoint else None
    return endpoint_host or settings.host


def _fail(error: SmscError) -> NoReturn:
    click.echo(f"error: {for_the_shell(error)}", err=True)
    sys.exit(exit_code_for(error))
