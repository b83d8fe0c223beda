"""``serve --smpp-receipts HOST:PORT``: the SMPP receipts into the gateway's status store.

The option is read by ``smpp_receipts_option``; ``start_smpp_receipts(store)`` starts the
receipt holder on the store once the command has one, and stops it (it unbinds and gives
its claim back) when the command ends, after the gateway stopped. The session binds with
``SMPP_LOGIN`` and ``SMPP_PASSWORD``, from the environment or the command's ``.env`` file
(as the ``SMSC_*`` settings are read), never from a flag: a flag shows in the process list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from smsc_soap.gateway.receipts import ReceiptHolder
    from smsc_soap.statuses import StatusStore

__all__ = ["SmppSettings", "smpp_receipts_option", "start_smpp_receipts"]

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "smsc_soap.smpp_receipts"


class SmppSettings(BaseSettings):
    """The receiver session's credentials: ``SMPP_LOGIN`` and ``SMPP_PASSWORD``."""

    model_config = SettingsConfigDict(env_prefix="SMPP_", extra="ignore", frozen=True)

    login: str | None = None
    password: SecretStr | None = None


def _address(context: click.Context, parameter: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    host, colon, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:2775
    if not colon or not host or any(character.isspace() for character in host):
        raise click.BadParameter("give the SMPP server as HOST:PORT, e.g. smpp.smsc.ru:2775")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise click.BadParameter(f"the port must be a number from 1 to 65535, not {port[:10]!r}")
    return host, int(port)


def smpp_receipts_option(command: F) -> F:
    """``--smpp-receipts HOST:PORT``, kept for ``start_smpp_receipts``."""

    @click.option(
        "--smpp-receipts",
        metavar="HOST:PORT",
        callback=_address,
        help="Bind a receiver session to this SMPP server and write its delivery receipts to"
        " the status store, one replica at a time [credentials: env SMPP_LOGIN and"
        " SMPP_PASSWORD].",
    )
    @functools.wraps(command)
    def wrapper(**options: Any) -> Any:
        click.get_current_context().meta[_KEY] = options.pop("smpp_receipts")
        return command(**options)

    return wrapper  # type: ignore[return-value]


def start_smpp_receipts(
    store: StatusStore, on_verdict: Callable[[str], object] | None = None
) -> ReceiptHolder | None:
    """With ``--smpp-receipts`` given, the receipt holder started on ``store`` and stopped when
    the command ends, telling ``on_verdict`` each receipt's verdict (for the metrics); None
    without it. A usage error when the credentials are missing."""
    context = click.get_current_context()
    address: tuple[str, int] | None = context.meta.get(_KEY)
    if address is None:
        return None
    from smsc_soap.errors import InvalidParametersError
    from smsc_soap.gateway.receipts import ReceiptHolder
    from smsc_soap.service.credentials import Credentials

    env_file = context.params.get("env_file") or Path(".env")  # a missing .env is no error
    try:
        settings = SmppSettings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError:
        raise click.UsageError("SMPP_LOGIN or SMPP_PASSWORD cannot be read") from None
    if not settings.login or settings.password is None:
        raise click.UsageError(
            "--smpp-receipts binds with SMPP_LOGIN and SMPP_PASSWORD: set both in the"
            " environment or a .env file"
        )
    host, port = address
    try:
        holder = ReceiptHolder(
            store,
            host,
            port,
            Credentials(settings.login, settings.password),
            on_verdict=on_verdict,
        ).start()
    except InvalidParametersError as error:
        raise click.UsageError(f"--smpp-receipts: {error}") from None
    context.call_on_close(holder.stop)
    click.echo(
        f"SMPP receipts from {host}:{port} into the status store (one replica at a time"
        " holds the session)",
        err=True,
    )
    return holder
