"""A held-out set of files shaped as 1C and Excel write them: each gives the right rows over
SOAP and over HTTP alike, or a refusal with exit 2 and a hint; an existing file that is not a
journal of the batch is never changed."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.runtime import text_files
from smsc_soap.sandbox import Sandbox

from support.sandboxes import SandboxStarter

IDS = ["1001", "1002", "1003", "1004", "1005", "1006"]
FORMS = [
    "+7 (999) 000-{a}-{b}",
    "8 (999) 000-{a}-{b}",
    "7 999 000 {a} {b}",
    "+7999000{a}{b}",
    "7999000{a}{b}",
    "8-999-000-{a}{b}",
]


def data_rows() -> list[tuple[str, str, str]]:
    """(name, phone as written, id): the book's messages in every form, one message twice in
    forms differing only by "+", one not found, and junk."""
    rows = [
        (f"Клиент {n}", form.format(a=i[:2], b=i[2:]), i)
        for n, (form, i) in enumerate(zip(FORMS, IDS, strict=True))
    ]
    rows.append(("Тот же", "79990001004", "1004"))  # line 8: as line 5 but without "+"
    rows.append(("Нет такого", "79990009999", "999999"))  # not found
    rows.append(("Итого", "", ""))  # a total row: no phone, no id
    rows.append(("Опечатка", "79990001001", "абв"))
    rows.append(("Excel", "79990001001", "1" * 38))
    return rows


EXPECTED = {
    **dict.fromkeys(range(2, 9), ""),  # found: no error
    9: "MessageNotFoundError",
    10: "InvalidParametersError",
    11: "InvalidParametersError",
    12: "InvalidParametersError",
}


def table(delimiter: str, header: tuple[str, str, str], newline: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(data_rows())
    return out.getvalue() + newline  # exports often end with a blank line


RUSSIAN = ("Контрагент", "Телефон", "Номер сообщения")
ENGLISH = ("Name", "Phone", "Message ID")
UNKNOWN = ("Клиент", "Куда", "Что")  # names no rule knows: columns given by number

FILES: dict[str, tuple[bytes, list[str]]] = {
    "1c-cp1251-semicolon": (table(";", RUSSIAN, "\r\n").encode("cp1251"), ["--delimiter", ";"]),
    "excel-csv-utf8-bom": (codecs.BOM_UTF8 + table(",", ENGLISH, "\r\n").encode(), []),
    "excel-unicode-text-utf16-bom": (
        codecs.BOM_UTF16_LE + table("\t", RUSSIAN, "\r\n").encode("utf-16-le"),
        ["--delimiter", "\\t"],
    ),
    "utf16-without-bom": (table(",", RUSSIAN, "\n").encode("utf-16-le"), []),
    "utf32-with-bom": (table(",", ENGLISH, "\n").encode("utf-32"), []),
    "cp1251-columns-by-number": (
        table(";", UNKNOWN, "\n").encode("cp1251"),
        ["--delimiter", ";", "--phone-column", "2", "--id-column", "3"],
    ),
}

REFUSED: dict[str, tuple[bytes, list[str], str]] = {
    "1c-without-delimiter": (
        table(";", RUSSIAN, "\r\n").encode("cp1251"),
        [],
        "looks `;`-separated, not `,`: add --delimiter ';'",
    ),
    "unicode-text-without-delimiter": (
        codecs.BOM_UTF16_LE + table("\t", RUSSIAN, "\r\n").encode("utf-16-le"),
        [],
        "looks tab-separated, not `,`: add --delimiter '\\t'",
    ),
    "utf8-read-as-cp1251": (
        table(",", RUSSIAN, "\n").encode(),
        ["--encoding", "cp1251"],
        "it is not cp1251 text: it looks like utf-8; add --encoding utf-8",
    ),
    "utf16-read-as-utf8": (
        table(",", RUSSIAN, "\n").encode("utf-16-le"),
        ["--encoding", "utf-8"],
        "it is not utf-8 text: it looks like utf-16-le; add --encoding utf-16-le",
    ),
    "nul-bytes": (b"79990001004,1004\n\0\0\x017,1\n", [], "it holds NUL bytes"),
}


def batch(sandbox: Sandbox, transport: str, *arguments: str) -> tuple[int, str]:
    endpoint = sandbox.soap_endpoint if transport == "soap" else sandbox.status_endpoint
    env = {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": "demo",
        "SMSC_ENDPOINT": endpoint,
        "SMSC_TRANSPORT": transport,
        "SMSC_INSECURE_HTTP": "1",
        "SMSC_LIMITS": "memory://",
    }
    result = CliRunner().invoke(main, ["batch", *arguments], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def outcomes(output: Path) -> dict[int, str]:
    """Each line's error type ("" when found) from a results file in any encoding."""
    text = text_files.sniff(output.read_bytes()).text
    header = text.splitlines()[0]
    delimiter = max("\t;,", key=header.count)
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return {int(row["line"]): row["error_type"] for row in rows}


@pytest.mark.parametrize("name", list(FILES))
def test_each_file_gives_the_same_right_rows_over_soap_and_http(
    start_sandbox: SandboxStarter, tmp_path: Path, name: str
) -> None:
    content, arguments = FILES[name]
    source = tmp_path / f"{name}.csv"
    source.write_bytes(content)
    sandbox = start_sandbox(enforce_limits=False)

    found = {}
    for transport in ("soap", "http"):
        output = tmp_path / f"{name}.{transport}.csv"
        code, err = batch(sandbox, transport, str(source), "-o", str(output), *arguments)
        assert code == ExitCode.FAILED_ROWS, err
        found[transport] = outcomes(output)
        read, written = text_files.sniff(content), text_files.sniff(output.read_bytes())
        # As the input: its encoding, byte-order mark and line endings.
        assert (written.codec, written.byte_order_mark) == (read.codec, read.byte_order_mark)
        assert (written.newline, "\n" in written.text.replace("\r\n", "")) == (
            read.newline,
            read.newline == "\n",
        )

    assert found["soap"] == found["http"] == EXPECTED


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_of_another_shape_is_refused_with_a_hint(
    start_sandbox: SandboxStarter, tmp_path: Path, name: str
) -> None:
    content, arguments, hint = REFUSED[name]
    source, output = tmp_path / "export.csv", tmp_path / "results.csv"
    source.write_bytes(content)
    sandbox = start_sandbox(enforce_limits=False)

    code, err = batch(sandbox, "soap", str(source), "-o", str(output), *arguments)

    assert code == ExitCode.USAGE
    assert hint in err
    assert len(err.splitlines()) == 1, err
    assert not output.exists()


NOT_JOURNALS = {
    "one-line-report": b"Total sent: 41",
    "report-with-line-break": b"quarter,total\nQ1,100\n",
    "utf16-report": "отчёт,итог\r\n1,2\r\n".encode("utf-16"),
    "journal-lookalike": b"line,phone,id\n1,2,3\n",
    "binary": bytes(range(256)),
    "json": b'{"line": 1}',
}


@pytest.mark.parametrize("restart", [False, True], ids=["resume", "restart"])
@pytest.mark.parametrize("name", list(NOT_JOURNALS))
def test_an_existing_file_that_is_not_a_journal_is_never_changed(
    start_sandbox: SandboxStarter, tmp_path: Path, name: str, restart: bool
) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "report.csv"
    source.write_bytes(FILES["excel-csv-utf8-bom"][0])
    output.write_bytes(NOT_JOURNALS[name])
    sandbox = start_sandbox(enforce_limits=False)
    restarting = ["--restart"] if restart else []

    for output_format in ("csv", "jsonl"):
        arguments = [str(source), "-o", str(output), "--format", output_format, *restarting]
        code, err = batch(sandbox, "soap", *arguments)

        assert code == ExitCode.USAGE, err
        assert f"{output} exists and is not an output of smsc-soap batch" in err
        assert output.read_bytes() == NOT_JOURNALS[name]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.csv", "report.csv"]


def test_an_empty_file_and_a_journal_of_the_batch_are_written(
    start_sandbox: SandboxStarter, tmp_path: Path
) -> None:
    content, arguments = FILES["excel-unicode-text-utf16-bom"]
    source, output = tmp_path / "export.txt", tmp_path / "results.txt"
    source.write_bytes(content)
    output.touch()
    sandbox = start_sandbox(enforce_limits=False)

    assert batch(sandbox, "soap", str(source), "-o", str(output), *arguments)[0] == 7
    first = output.read_bytes()
    assert first.startswith(codecs.BOM_UTF16_LE)  # as the input: Excel reads it right
    code, err = batch(sandbox, "soap", str(source), "-o", str(output), *arguments)

    assert code == ExitCode.FAILED_ROWS, err
    assert "11 from an earlier run" in err
    assert outcomes(output) == EXPECTED
