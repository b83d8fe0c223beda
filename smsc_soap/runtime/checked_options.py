"""Options as one frozen, typed value, checked when it is made: the base of every options
class here (the wire's, the transports' and the client's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from smsc_soap.errors import InvalidParametersError

__all__ = ["Options"]

_O = TypeVar("_O", bound="Options")


class Options(BaseModel):
    """Frozen, strict: ``True`` is not a number here, nor ``"10"`` a timeout."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, arbitrary_types_allowed=True
    )

    @classmethod
    def of(cls: type[_O], given: Mapping[str, object]) -> _O:
        """Options from keyword arguments; ``InvalidParametersError`` naming the first one at
        fault. The input is never quoted: an option may hold a URL with a secret in it."""
        try:
            options = cls.model_validate(dict(given))
        except ValidationError as error:
            raise _invalid(error) from None
        options.check()
        return options

    @classmethod
    def resolve(cls: type[_O], options: Options | None, given: Mapping[str, object]) -> _O:
        """``options`` made already, or options from the keywords ``given``; not both."""
        if options is None:
            return cls.of(given)
        if given:
            raise InvalidParametersError(
                f"give options as one value or as keywords, not both ({', '.join(given)})"
            )
        if not isinstance(options, cls):
            raise InvalidParametersError(f"options must be {cls.__name__}, not {options!r}")
        return options

    def check(self) -> None:
        """Checks across options, after each one is valid on its own."""


def _invalid(error: ValidationError) -> InvalidParametersError:
    problems = error.errors(include_url=False, include_input=False)
    where = problems[0]["loc"]
    option = str(where[0]) if where else None
    said = [
        _reworded(problem["type"], problem["msg"])
        for problem in problems
        if problem["loc"][:1] == where[:1]
    ]
    text = "; or ".join(dict.fromkeys(said))
    if option is None:
        return InvalidParametersError(f"options: {text}")
    return InvalidParametersError(f"option {option!r}: {text}", option=option)


def _reworded(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "no such option"
    return message.removeprefix("Value error, ")
