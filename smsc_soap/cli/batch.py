"""``smsc-soap batch``: a CSV of (phone, id) rows looked up into a CSV of results, resumably.

The output is a journal: each result is appended and flushed as it arrives, under the input
line it answers. Run again after a crash or Ctrl-C, the command reads the lines already
answered (dropping a half-written last row) and looks up only the others, so nothing is lost
and nothing is written twice.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from pathlib import Path

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

from ..errors import InvalidParametersError, SmscError
from ..models import LookupResult
from .exit_codes import ExitCode, exit_code_for
from .output import RESULT_COLUMNS, result_cells
from .settings import ConnectionSettings, connection_options
from .wording import for_the_shell

__all__ = ["ResultJournal", "batch"]

JOURNAL_COLUMNS = ("line", *RESULT_COLUMNS)
_HEADER_NAMES = {"phone", "id", "message_id", "телефон", "номер"}


class ResultJournal:
    """The output CSV, one row per input line, appended and flushed row by row.

    Opening it drops a half-written last row and reads which input lines are ``done``.
    """

    def __init__(self, path: Path, *, delimiter: str, encoding: str) -> None:
        self.path = path
        self.done: set[int] = set()
        if path.exists():
            self._drop_partial_row()
            with path.open(encoding=encoding, errors="replace", newline="") as file:
                for row in csv.reader(file, delimiter=delimiter):
                    if row and row[0].isdigit():
                        self.done.add(int(row[0]))
        fresh = not path.exists() or path.stat().st_size == 0
        self._file = path.open("a", encoding=encoding, errors="replace", newline="")
        self._writer = csv.DictWriter(
            self._file, fieldnames=JOURNAL_COLUMNS, delimiter=delimiter, lineterminator="\n"
        )
        if fresh:
            self._writer.writeheader()

    def _drop_partial_row(self) -> None:
        # A kill can land mid-write: the last row is then cut short of its newline.
        content = self.path.read_bytes()
        if content and not content.endswith(b"\n"):
            with self.path.open("r+b") as file:
                file.truncate(content.rfind(b"\n") + 1)

    def write(self, line: int, cells: dict[str, str]) -> None:
        # One physical line per row, so a cut row is always the last line alone.
        flat = {name: " ".join(value.splitlines()) for name, value in cells.items()}
        self._writer.writerow({"line": str(line), **flat})
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.1f} rows/s")


@click.command()
@click.argument(
    "input_path", metavar="INPUT.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results CSV [default: INPUT.results.csv]; rerun with it to resume.",
)
@click.option("--all", "level", type=click.IntRange(0, 2), default=0, show_default=True)
@click.option("--delimiter", default=",", show_default=True, help="Of both CSV files.")
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Of both CSV files, e.g. cp1251 for Windows exports.",
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
    delimiter: str,
    encoding: str,
    progress: bool | None,
) -> None:
    """Look up every (phone, id) row of INPUT.csv and write one result row per input line.

    The first two columns are the phone and the message id; a first row naming them is
    skipped. Results are appended as they arrive (line, status and its name, err, dates in
    ISO 8601, cost, or the error); a bad row gets an error row and the batch goes on. Stopped
    by a crash or Ctrl-C, the same command resumes: only lines not yet in the output are
    looked up.
    """
    if len(delimiter) != 1:
        raise click.BadParameter("must be one character", param_hint="--delimiter")
    output_path = output_path or input_path.with_suffix(".results.csv")
    rows = list(_data_rows(input_path, delimiter, encoding))
    journal = ResultJournal(output_path, delimiter=delimiter, encoding=encoding)
    done = journal.done
    console = Console(stderr=True, force_terminal=progress)
    counts: Counter[str] = Counter(resumed=len(done & {line for line, _ in rows}))
    try:
        with settings.client() as client, _progress(console, progress) as bar:
            task = bar.add_task("lookups", total=len(rows), completed=counts["resumed"])
            pending: defaultdict[tuple[str, str], deque[int]] = defaultdict(deque)

            def refs() -> Iterator[tuple[str, str]]:
                for line, row in rows:
                    if line not in done:
                        # A short row is passed on with its missing cells empty: the client
                        # checks it like any other and answers it with its error.
                        phone, message_id = (cell.strip() for cell in [*row, "", ""][:2])
                        pending[(phone, message_id)].append(line)
                        yield phone, message_id

            def record(line: int, result: LookupResult) -> None:
                journal.write(
                    line, result_cells(result.phone, result.message_id, result.status, result.error)
                )
                counts["found" if result.ok else "failed"] += 1
                if isinstance(result.error, InvalidParametersError):
                    click.echo(f"line {line}: {for_the_shell(result.error)}", err=True)
                bar.advance(task)

            for result in client.get_statuses(refs(), all=level):
                record(pending[(result.phone, result.message_id)].popleft(), result)
    except KeyboardInterrupt:
        _summary(counts, output_path, interrupted=True)
        sys.exit(ExitCode.INTERRUPTED)
    except SmscError as error:
        click.echo(f"error: {for_the_shell(error)}", err=True)
        _summary(counts, output_path, interrupted=True)
        sys.exit(exit_code_for(error))
    finally:
        journal.close()
    _summary(counts, output_path, interrupted=False)
    sys.exit(ExitCode.FAILED_ROWS if counts["failed"] else ExitCode.OK)


def _data_rows(path: Path, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(encoding=encoding, newline="") as file:
            reader = csv.reader(file, delimiter=delimiter)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # blank lines, as exports often end with
                if reader.line_num == 1 and row[0].strip().lower() in _HEADER_NAMES:
                    continue
                yield reader.line_num, row
    except (UnicodeDecodeError, LookupError) as error:
        raise click.BadParameter(
            f"cannot be read as {encoding}: {error}", param_hint="--encoding"
        ) from None


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


def _summary(counts: Counter[str], output: Path, *, interrupted: bool) -> None:
    done = f"{counts['found']} found, {counts['failed']} failed"
    resumed = f", {counts['resumed']} from an earlier run" if counts["resumed"] else ""
    state = "stopped; run the same command again to resume" if interrupted else "finished"
    click.echo(f"batch {state}: {done}{resumed}; results in {output}", err=True)
