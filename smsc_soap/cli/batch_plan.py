"""What a batch has left to do: the input's rows against the rows an earlier run wrote.

A row with a final answer (a status, a message not found, input the client refused) is kept.
A row that failed for a reason that can pass (no answer from the service, its limits, the
limit store out of reach) is looked up again. Rows that ask for the same (phone, id) share
one lookup, and one answer: a line whose message another line already has a final answer
for is answered from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from smsc_soap import errors
from smsc_soap.cli.batch_input import InputRow
from smsc_soap.cli.output import Cell
from smsc_soap.errors import LimitStoreError, RateLimitError, SmscError, TransportError

__all__ = ["BatchPlan", "Key", "plan_batch", "worth_retrying"]

Key = tuple[str, str]
"""(phone, message id), as looked up."""

_PASSING = (TransportError, RateLimitError, LimitStoreError)


def worth_retrying(error: SmscError) -> bool:
    """Whether a later run may get an answer where this one got ``error``."""
    return isinstance(error, _PASSING)


def _failed_in_passing(row: Mapping[str, Cell]) -> bool:
    error_class = getattr(errors, str(row.get("error_type") or ""), None)
    return isinstance(error_class, type) and issubclass(error_class, _PASSING)


@dataclass
class BatchPlan:
    kept: list[Mapping[str, Cell]] = field(default_factory=list)
    """Rows of the earlier run to keep, and rows answered from them, in line order."""
    pending: dict[Key, list[InputRow]] = field(default_factory=dict)
    """The lookups to make, in input order, each with the lines that asked for it."""
    retried: int = 0
    """Lines looked up again because their earlier lookup failed in passing."""

    @property
    def kept_failures(self) -> int:
        return sum(bool(row.get("error_type")) for row in self.kept)


def plan_batch(
    rows: Sequence[InputRow],
    earlier: Sequence[Mapping[str, Cell]],
    answer_from: Callable[[InputRow, Mapping[str, Cell]], Mapping[str, Cell]],
) -> BatchPlan:
    """The plan for ``rows`` given the ``earlier`` rows of the same run;
    ``answer_from(row, earlier_row)`` is ``row`` answered with an earlier row's result."""
    by_line = {_line(row): row for row in earlier}
    final = {line: row for line, row in by_line.items() if not _failed_in_passing(row)}
    answers = {
        (input_row.phone, input_row.message_id): final[input_row.line]
        for input_row in rows
        if input_row.line in final
    }
    plan = BatchPlan()
    for input_row in rows:
        key = (input_row.phone, input_row.message_id)
        if input_row.line in final:
            plan.kept.append(final[input_row.line])
        elif key in answers:
            plan.kept.append(answer_from(input_row, answers[key]))
        else:
            plan.pending.setdefault(key, []).append(input_row)
            plan.retried += input_row.line in by_line
    return plan


def _line(row: Mapping[str, Cell]) -> int:
    line = str(row.get("line"))
    return int(line) if line.isdigit() else -1
