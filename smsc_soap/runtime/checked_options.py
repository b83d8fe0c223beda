"""Options as one frozen, typed value, checked when it is made: the base of every options
class here (the wire's, the transports' and the client's).

Each options set is declared once, as the model's fields. The keyword arguments that build it
are a ``TypedDict`` for callers' type checkers; ``keywords_of`` has mypy hold the two to the
same names and types, both ways.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from typing_extensions import ParamSpec

from smsc_soap.errors import InvalidParametersError

__all__ = ["Options", "keywords_of"]

_O = TypeVar("_O", bound="Options")
_P = ParamSpec("_P")


class Options(BaseModel):
    """Frozen, strict: ``True`` is not a number here, nor ``"10"`` a timeout."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, arbitrary_types_allowed=True
    )

    @classmethod
    def of(cls: type[_O], given: Mapping[str, object]) -> _O:
        """Options from keyword arguments; ``InvalidParametersError`` naming the first one at
        fault. The input is never quoted: an option may hold a URL with a secret in it."""
        return _checked(lambda: cls.model_validate(dict(given)))

    @classmethod
    def resolve(
        cls: type[_O],
        options: Options | None,
        given: Mapping[str, object],
        build: Callable[..., _O],
    ) -> _O:
        """``options`` made already, or options ``build`` makes from the keywords ``given``;
        not both."""
        if options is None:
            return build(**given)
        if given:
            raise InvalidParametersError(
                f"give options as one value or as keywords, not both ({', '.join(given)})"
            )
        if not isinstance(options, cls):
            raise InvalidParametersError(f"options must be {cls.__name__}, not {options!r}")
        return options

    def check(self) -> None:
        """Checks across options, after each one is valid on its own."""


def keywords_of(model: Callable[_P, _O]) -> Callable[[Callable[_P, _O]], Callable[_P, _O]]:
    """For a function building ``model`` from its keywords, ``**given: Unpack[SomeArgs]``,
    as ``model(**given)``: mypy holds ``SomeArgs`` to the model's fields (every field a
    keyword of its type, by the decorator's signature; no keyword the model lacks, by the
    call). The function returned refuses bad options as ``Options.of`` does."""

    def checked(build: Callable[_P, _O]) -> Callable[_P, _O]:
        @functools.wraps(build)
        def built(*args: _P.args, **kwargs: _P.kwargs) -> _O:
            return _checked(lambda: build(*args, **kwargs))

        return built

    return checked


def _checked(build: Callable[[], _O]) -> _O:
    try:
        options = build()
    except ValidationError as error:
        raise _invalid(error) from None
    options.check()
    return options


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
