"""Where the secrets live: a login and password, or an API key, never shown in a repr.

``fingerprint`` is the one way credentials are known where they are kept or compared: the
limit stores' keys, the lockout and the gateway's clients know a slow keyed hash of them
(scrypt, with the store's own random salt as the key), never the secret."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from pydantic import SecretStr

from smsc_soap.errors import InvalidParametersError
from smsc_soap.service.query import reject_unsendable

__all__ = ["Credentials", "fingerprint"]

SCRYPT_N = 2**14
"""scrypt's work factor (with r=8, p=1): about 16 MiB and a tenth of a second per guess, so
a fingerprint read from a stolen store file costs a guesser that for every password tried."""


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

    def fingerprint(self, salt: bytes) -> str:
        """The credentials as a salted hash (``fingerprint``)."""
        return fingerprint(self.login or "", self.secret, salt)

    def scope(self, salt: bytes) -> str:
        """What the service's limits are counted for: the login, or (for an API key) a name
        made of its fingerprint with ``salt``, which does not reveal it."""
        if self.api_key is not None:
            return f"apikey-{self.fingerprint(salt)[:16]}"
        return self.login or ""

    @property
    def secret(self) -> str:
        """The password or API key, for redacting echoes of a request."""
        held = self.api_key if self.api_key is not None else self.password
        return "" if held is None else held.get_secret_value()

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


@functools.lru_cache(maxsize=1024)
def fingerprint(login: str, secret: str, salt: bytes) -> str:
    """A login and its password (or, with no login, an API key) as an scrypt hash keyed by
    ``salt``: tells credentials apart without keeping the secret. Slow on purpose, so made
    once per process for each credential in use (every lookup of the gateway asks)."""
    return hashlib.scrypt(
        f"{login}\0{secret}".encode("utf-8", "surrogatepass"),
        salt=salt,
        n=SCRYPT_N,
        r=8,
        p=1,
        maxmem=64 * 2**20,
        dklen=32,
    ).hex()


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    return value if value is None or isinstance(value, SecretStr) else SecretStr(value)


def _check_secret(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidParametersError(f"{name} must not be empty", option=name)
    reject_unsendable(name, value)
