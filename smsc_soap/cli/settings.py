"""Where the command line's connection settings come from: flags, then the environment
(``SMSC_LOGIN``, ``SMSC_PASSWORD`` or ``SMSC_API_KEY``, ``SMSC_HOST``, ``SMSC_ENDPOINT``,
``SMSC_TRANSPORT``, ``SMSC_LIMITS``), then a ``.env`` file, read with pydantic-settings.

With no ``--limits`` and no ``SMSC_LIMITS``, the limits are kept in a SQLite file in the
user's state directory, so commands started at once on one host keep them together."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from smsc_soap.calls.retries import RetryPolicy
from smsc_soap.cli.verbosity import configure_logging
from smsc_soap.client import StatusClient

__all__ = [
    "ConnectionSettings",
    "connection_options",
    "default_limits",
    "level_option",
    "upstream_options",
]

F = TypeVar("F", bound=Callable[..., Any])


class ConnectionSettings(BaseSettings):
    """Credentials and where to send them. Secrets stay ``SecretStr`` all the way."""

    model_config = SettingsConfigDict(env_prefix="SMSC_", extra="ignore", frozen=True)

    login: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    host: str = "smsc.ru"
    endpoint: str | None = None
    transport: Literal["soap", "http"] = "soap"
    insecure_http: bool = False
    retries: int = Field(default=RetryPolicy().attempts - 1, ge=0)
    limits: str | None = None

    def client(self) -> StatusClient:
        """The client of these settings; a usage error naming the variables to set when the
        credentials are missing."""
        if self.login is None and self.api_key is None:
            raise click.UsageError(
                "no credentials: set SMSC_LOGIN and SMSC_PASSWORD (or SMSC_API_KEY) in the"
                " environment or a .env file, or give --login"
            )
        if self.login is not None and self.password is None and self.api_key is None:
            raise click.UsageError(
                f"no password for login {self.login}: set SMSC_PASSWORD in the environment or"
                " a .env file (or give --password)"
            )
        return StatusClient(
            self.login,
            self.password,
            api_key=self.api_key,
            host=self.host,
            endpoint=self.endpoint,
            allow_insecure_http=self.insecure_http,
            transport=self.transport,
            retry=RetryPolicy(attempts=self.retries + 1),
            limits=self.limits or default_limits(),
        )


def default_limits() -> str:
    """The store every command on this host shares when none is named."""
    import platformdirs

    return f"sqlite:///{Path(platformdirs.user_state_dir('smsc-soap')) / 'limits.db'}"


level_option = click.option(
    "--all",
    "level",
    type=click.IntRange(0, 2),
    default=0,
    show_default=True,
    help="0 usual, 1 full (sender, text, ...), 2 with country, operator and region.",
)
"""The ``all`` of the lookups, as ``level``."""


def connection_options(command: F) -> F:
    """The connection flags, read into a ``ConnectionSettings`` passed as ``settings``."""
    return _connection_options(
        click.option("--host", help="smsc.ru, smscentre.com, smsc.kz or smsc.ua [env SMSC_HOST].")(
            command
        )
    )


def upstream_options(command: F) -> F:
    """The connection flags without ``--host``, for a command whose ``--host`` is where it
    listens: the service's host then comes from SMSC_HOST."""
    return _connection_options(command)


def _connection_options(command: F) -> F:
    @click.option("--login", help="Account login [env SMSC_LOGIN].")
    @click.option(
        "--password",
        help="Password [env SMSC_PASSWORD; prefer it: a flag shows in the process list].",
    )
    @click.option("--api-key", help="API key instead of login and password, HTTP only.")
    @click.option("--endpoint", help="The whole URL, e.g. a sandbox's [env SMSC_ENDPOINT].")
    @click.option("--transport", type=click.Choice(["soap", "http"]), help="[env SMSC_TRANSPORT]")
    @click.option(
        "--insecure-http", is_flag=True, default=None, help="Allow a plain http:// endpoint."
    )
    @click.option(
        "--env-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Settings file read after the environment [default: .env, if there is one].",
    )
    @click.option(
        "--retries", type=click.IntRange(min=0), help="Retries of a failed lookup [default 3]."
    )
    @click.option(
        "--limits",
        metavar="URL",
        help="Where the service's limits are kept: sqlite:///path, redis://host:port/db or"
        " memory:// [env SMSC_LIMITS; default: a SQLite file in the user's state directory,"
        " shared by every command on this host].",
    )
    @click.option(
        "--verbose",
        "-v",
        count=True,
        help="-v: a line per request on stderr; -vv: every log line (passwords redacted).",
    )
    @functools.wraps(command)
    def wrapper(**options: Any) -> Any:
        flags = {
            name: options.pop(name, None)
            for name in (
                "login",
                "password",
                "api_key",
                "host",
                "endpoint",
                "transport",
                "retries",
                "limits",
            )
        }
        flags["insecure_http"] = options.pop("insecure_http")
        env_file = options.pop("env_file") or Path(".env")  # a missing .env is no error
        configure_logging(options.pop("verbose"))
        try:
            settings = ConnectionSettings(
                _env_file=env_file,  # type: ignore[call-arg]
                **{name: value for name, value in flags.items() if value is not None},
            )
        except ValidationError as error:
            raise click.UsageError(_without_input(error)) from None
        return command(settings=settings, **options)

    return wrapper  # type: ignore[return-value]


def _without_input(error: ValidationError) -> str:
    """Each bad setting by the variable and the flag that set it, with pydantic's reason (its
    own text quotes the input, which may be a password)."""
    return "; ".join(
        f"{_where(str(item['loc'][0]) if item['loc'] else '')}: {item['msg'][:1].lower()}"
        f"{item['msg'][1:]}"
        for item in error.errors()
    )


def _where(field: str) -> str:
    flag = f"--{field.replace('_', '-')}"
    return f"SMSC_{field.upper()} (or {flag})" if field else "the settings"
