"""``smsc-soap batch``: a CSV of (phone, id) rows looked up into results, resumably.

The output is a journal (``journal``): each result is written as it arrives, keyed by the
input line and the (phone, id) it answers, and every row names the run it belongs to. Run
again, the command keeps the final answers, looks up again the rows that failed in passing
and the rows not answered yet, and refuses an output of another input or other options.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, NoReturn

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from smsc_soap.cli.batch_input import InputRow, InputTable, read_input
from smsc_soap.cli.batch_plan import plan_batch, worth_retrying
from smsc_soap.cli.exit_codes import ExitCode, exit_code_for
from smsc_soap.cli.journal import (
    Journal,
    JournalFormat,
    JournalMismatchError,
    NotAJournalError,
    read_journal,
    run_of,
    write_journal,
)
from smsc_soap.cli.os_errors import os_error_text
from smsc_soap.cli.output import Cell, result_columns, result_fields
from smsc_soap.cli.output_lock import OutputInUseError, OutputLock
from smsc_soap.cli.settings import ConnectionSettings, connection_options, level_option
from smsc_soap.cli.wording import for_the_shell
from smsc_soap.errors import (
    AuthenticationError,
    InvalidParametersError,
    IPBlockedError,
    SmscError,
)
from smsc_soap.models import LookupResult
from smsc_soap.service.message_ids import unusable_id

__all__ = ["batch"]

_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t"}


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.1f} rows/s")


@click.command()
@click.argument("input_path", metavar="INPUT.csv", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results [default: INPUT.results.csv or .jsonl]; rerun with it to resume.",
)
@level_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="Of the results: CSV, or JSON lines (one object per row).",
)
@click.option(
    "--delimiter",
    help="Of both CSV files; tab: \\t [default: `,`; another is refused with a hint].",
)
@click.option(
    "--encoding",
    help="Of both files, e.g. cp1251 [default: told from the bytes]; a byte-order mark wins.",
)
@click.option("--phone-column", metavar="NAME|N", help="The phone column's header or number.")
@click.option("--id-column", metavar="NAME|N", help="The message id column's header or number.")
@click.option(
    "--restart",
    is_flag=True,
    help="Replace the output with a new run instead of resuming it.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar on stderr [default: when stderr is a terminal].",
)
@connection_options
def batch(
    settings: ConnectionSettings,
    input_path: Path,
    output_path: Path | None,
    level: int,
    output_format: Literal["csv", "jsonl"],
    delimiter: str | None,
    encoding: str | None,
    phone_column: str | None,
    id_column: str | None,
    restart: bool,
    progress: bool | None,
) -> None:
    """Look up the message of every row of INPUT.csv and write one result row per line.

    The header (Russian or English names such as "Телефон", "phone", "msisdn", "ID
    сообщения", "message_id", in any case) or --phone-column and --id-column say where the
    phone and the message id are; without a header they are the first two columns. Every
    other column is carried into the results. Phones are read as people write them (+7, 8,
    spaces, brackets, dashes); rows asking for the same message share one lookup. The input's
    encoding is told from its bytes, and a file that does not fit the delimiter or the
    encoding is refused before any lookup, with the option to add.

    Results are written as they arrive, in the input's encoding and line endings: line,
    phone, id, status and its name, outcome, err, dates in ISO 8601, cost, more with --all,
    error_type and error for a row that failed, the carried columns, and run (which input and
    options the row belongs to). Run the same command again after a failure, a crash or
    Ctrl-C: rows that failed in passing (no answer, the service's limits, the limit store)
    are looked up again, the rest are kept. The output must be missing, empty or a journal
    of this batch: any other file is left as it is and refused, and an output of another
    input or other options is replaced only with --restart. One batch at a time writes to an
    output.
    """
    if delimiter is not None:
        delimiter = _one_character(_DELIMITER_NAMES.get(delimiter, delimiter))
    if encoding is not None:
        _check_encoding(encoding)
    table = _read(input_path, delimiter, encoding, phone_column, id_column)
    output_path = output_path or input_path.with_suffix(f".results.{output_format}")
    if _same_file(input_path, output_path):
        raise click.BadParameter("is the input itself; name another file", param_hint="--output")
    layout = JournalFormat.of(
        output_format,
        ("line", *result_columns(level), *table.carried_names, "run"),
        delimiter=table.delimiter,
        codec=table.codec,
        input_mark=table.byte_order_mark,
        newline=table.newline,
    )
    run = run_of(
        table.digest,
        # What shapes the rows; not the endpoint or the credentials, which may change.
        {
            "delimiter": table.delimiter,
            "encoding": table.codec,
            "columns": table.phone_and_id_at,
            "all": level,
            "format": output_format,
        },
    )

    def row_for(input_row: InputRow, fields: Mapping[str, Cell]) -> dict[str, Cell]:
        carried = dict(zip(table.carried_names, input_row.carried, strict=True))
        return {"line": input_row.line, **fields, **carried, "run": run}

    lock = OutputLock(output_path)
    try:
        lock.acquire()
    except OutputInUseError as error:
        raise click.UsageError(str(error)) from None
    except OSError as error:
        _stop(os_error_text(error, f"cannot write the results to {output_path}"), ExitCode.SYSTEM)
    try:
        _run(settings, table, output_path, layout, run, row_for, level, restart, progress)
    finally:
        lock.release()


def _run(
    settings: ConnectionSettings,
    table: InputTable,
    output_path: Path,
    layout: JournalFormat,
    run: str,
    row_for: Callable[[InputRow, Mapping[str, Cell]], dict[str, Cell]],
    level: int,
    restart: bool,
    progress: bool | None,
) -> None:
    """The batch, its output locked: the earlier run's rows kept, the rest looked up."""
    earlier = _earlier(output_path, layout, run, restart=restart)
    plan = plan_batch(
        table.rows,
        earlier,
        lambda input_row, answer: row_for(
            input_row, {name: answer[name] for name in result_columns(level)}
        ),
    )
    unusable = {key: unusable_id(key[1]) for key in plan.pending}
    try:
        client = settings.client()
    except SmscError as error:
        _stop(for_the_shell(error), exit_code_for(error))
    try:
        journal = Journal(output_path, layout, plan.kept)
    except OSError as error:
        client.close()
        _stop(os_error_text(error, f"cannot write the results to {output_path}"), ExitCode.SYSTEM)
    console = Console(stderr=True, force_terminal=progress)
    counts: Counter[str] = Counter(
        earlier=len(plan.kept), earlier_failed=plan.kept_failures, retried=plan.retried
    )
    counts["shared"] = sum(len(lines) - 1 for lines in plan.pending.values())
    summary = _Summary(counts, output_path)

    def answer(result: LookupResult) -> None:
        fields = result_fields(result.phone, result.message_id, result.status, result.error, level)
        for input_row in plan.pending[(result.phone, result.message_id)]:
            journal.write(row_for(input_row, fields))
            _count(counts, result, input_row, console)
            bar.advance(task)

    try:
        with client, _progress(console, progress) as bar:
            task = bar.add_task("lookups", total=len(table.rows), completed=len(plan.kept))
            for (phone, message_id), why in unusable.items():
                if why is not None:  # refused here: the service would only answer error 1
                    refusal = InvalidParametersError(why)
                    answer(LookupResult(phone=phone, message_id=message_id, error=refusal))
            lookups = (key for key, why in unusable.items() if why is None)
            for result in client.get_statuses(lookups, all=level):
                answer(result)
    except KeyboardInterrupt:
        summary.stopped()
        sys.exit(ExitCode.INTERRUPTED)
    except SmscError as error:
        click.echo(f"error: {for_the_shell(error)}", err=True)
        if isinstance(error, AuthenticationError | IPBlockedError):
            summary.refused(error)
        else:
            summary.stopped()
        sys.exit(exit_code_for(error))
    except OSError as error:
        click.echo(f"error: {os_error_text(error, f'cannot write to {output_path}')}", err=True)
        summary.stopped()
        sys.exit(ExitCode.SYSTEM)
    finally:
        _close(journal)
    _in_input_order(output_path, layout, run)
    summary.finished()
    sys.exit(ExitCode.FAILED_ROWS if counts["failed"] + counts["earlier_failed"] else ExitCode.OK)


def _one_character(delimiter: str) -> str:
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise click.BadParameter(
            "must be one character, not a quote or a line break", param_hint="--delimiter"
        )
    return delimiter


def _check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise click.BadParameter(
            f"{encoding!r} is not an encoding", param_hint="--encoding"
        ) from None


def _same_file(input_path: Path, output_path: Path) -> bool:
    if output_path.exists():
        return os.path.samefile(input_path, output_path)
    return input_path.resolve() == output_path.resolve()


def _read(
    path: Path,
    delimiter: str | None,
    encoding: str | None,
    phone_column: str | None,
    id_column: str | None,
) -> InputTable:
    try:
        table = read_input(
            path,
            delimiter=delimiter,
            encoding=encoding,
            phone_column=phone_column,
            id_column=id_column,
        )
    except OSError as error:
        _stop(os_error_text(error, f"cannot read {path}"), ExitCode.SYSTEM)
    if not table.rows:
        raise click.UsageError(f"{path} has no rows to look up")
    return table


def _earlier(
    path: Path, layout: JournalFormat, run: str, *, restart: bool
) -> list[dict[str, Cell]]:
    """The rows of this batch that ``path`` holds; a usage error, before a byte is written, if
    it is not a journal at all, or a journal of another batch and ``restart`` was not asked."""
    try:
        rows = read_journal(path, layout, run)
    except NotAJournalError as error:
        raise click.UsageError(
            f"{path} exists and is not an output of smsc-soap batch ({error}); it is left as"
            " it is: name another --output, or move that file away"
        ) from None
    except JournalMismatchError as error:
        if restart:
            return []
        raise click.UsageError(
            f"{path} cannot be resumed: {error}. A batch resumes only the output of the same"
            " input file with the same --delimiter, --encoding, columns, --all and --format;"
            " run with --restart to replace it, or name another --output."
        ) from None
    except OSError as error:
        _stop(os_error_text(error, f"cannot read {path}"), ExitCode.SYSTEM)
    return [] if restart else rows


def _in_input_order(path: Path, layout: JournalFormat, run: str) -> None:
    """The finished journal, its rows sorted by line (they were written as answers came)."""
    try:
        rows = read_journal(path, layout, run)
        write_journal(path, layout, sorted(rows, key=lambda row: int(str(row["line"]))))
    except OSError as error:
        _stop(os_error_text(error, f"cannot write to {path}"), ExitCode.SYSTEM)


def _count(counts: Counter[str], result: LookupResult, row: InputRow, console: Console) -> None:
    if result.error is None:
        counts["found"] += 1
        return
    counts["failed"] += 1
    counts["passing"] += worth_retrying(result.error)
    console.print(
        f"line {row.line}: {for_the_shell(result.error)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _close(journal: Journal) -> None:
    try:
        journal.close()
    except OSError as error:
        _stop(os_error_text(error, f"cannot write to {journal.path}"), ExitCode.SYSTEM)


def _stop(message: str, code: ExitCode) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _progress(console: Console, wanted: bool | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RowsPerSecond(),
        TimeRemainingColumn(),
        console=console,
        disable=not (console.is_terminal if wanted is None else wanted),
    )


class _Summary:
    """The last line on stderr: what this run did, and what to do next."""

    def __init__(self, counts: Counter[str], output: Path) -> None:
        self._counts = counts
        self._output = output

    def finished(self) -> None:
        self._say("finished")

    def stopped(self) -> None:
        self._say("stopped; run the same command again to resume")

    def refused(self, error: SmscError) -> None:
        if isinstance(error, IPBlockedError):
            self._say("stopped: the service blocked this IP address")
        else:
            self._say("stopped: wrong login or password; fix it, then run the command again")

    def _say(self, state: str) -> None:
        counts = self._counts
        parts = [f"{counts['found']} found, {counts['failed']} failed"]
        if counts["retried"]:
            parts.append(f"{counts['retried']} of them looked up again after failing in passing")
        if counts["earlier"]:
            parts.append(f"{counts['earlier']} from an earlier run")
        if counts["shared"]:
            lines = "line" if counts["shared"] == 1 else "lines"
            parts.append(f"{counts['shared']} repeated {lines} answered by the same lookup")
        if counts["passing"]:
            parts.append(f"{counts['passing']} failed in passing: run the same command again")
        parts.append(f"results in {self._output}")
        click.echo(f"batch {state}: {'; '.join(parts)}", err=True)
