"""Where the secrets live: a login and password, or an API key, never shown in a repr."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import SecretStr

from smsc_soap.errors import InvalidParametersError
from smsc_soap.service.query import reject_unsendable

__all__ = ["Credentials"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login and password, or an API key (HTTP API only); secrets never show in a repr."""

    login: str | None
    password: SecretStr | None
    api_key: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.api_key is not None:
            if self.login is not None or self.password is not None:
                raise InvalidParametersError(
                    "give login and password, or an API key, not both", option="api_key"
                )
            _check_secret("api_key", self.api_key.get_secret_value())
            return
        if not isinstance(self.login, str) or not self.login:
            raise InvalidParametersError(
                "login must be a non-empty string (or give an API key)", option="login"
            )
        reject_unsendable("login", self.login)
        if self.password is None:
            raise InvalidParametersError("password must be given with the login", option="password")
        _check_secret("password", self.password.get_secret_value())

    @classmethod
    def of(
        cls,
        login: str | None,
        password: str | SecretStr | None,
        api_key: str | SecretStr | None = None,
    ) -> Credentials:
        return cls(login, _secret(password), _secret(api_key))

    @property
    def scope(self) -> str:
        """What the service's limits are counted for: the login, or (for an API key) a name
        derived from the key that does not reveal it."""
        if self.api_key is not None:
            digest = hashlib.sha256(self.api_key.get_secret_value().encode("utf-8", "replace"))
            return f"apikey-{digest.hexdigest()[:16]}"
        return self.login or ""

    @property
    def secret(self) -> str:
        """The password or API key, for redacting echoes of a request."""
        held = self.api_key if self.api_key is not None else self.password
        return "" if held is None else held.get_secret_value()

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    return value if value is None or isinstance(value, SecretStr) else SecretStr(value)


def _check_secret(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidParametersError(f"{name} must not be empty", option=name)
    reject_unsendable(name, value)
