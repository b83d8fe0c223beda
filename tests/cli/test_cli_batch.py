"""``smsc-soap batch`` over real files and the sandbox: resuming by content, retrying what failed
in passing, the CSVs people export, and failures told in one line with their exit code."""

from __future__ import annotations

import csv
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

from support.fault_server import FaultServer, respond
from support.soap_replies import soap_reply

SECRET = "Batch-pa55-never-shown"
PHONE = "79990000001"
OPTIONS = SandboxOptions(password=SECRET, enforce_limits=False)


def book_of(ids: list[str], **fields: object) -> MessageBook:
    return MessageBook(BookMessage(id=i, phone=PHONE, status=1, **fields) for i in ids)  # type: ignore[arg-type]


pytestmark = pytest.mark.sandbox(
    lambda: book_of(
        [str(n) for n in range(20)],
        message="Привет",
        country="Россия",
        operator="МТС",
        region="Москва",
        comment="заказ",
    ),
    password=SECRET,
    enforce_limits=False,
)


def env_for(endpoint: str) -> dict[str, str]:
    return {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": SECRET,
        "SMSC_ENDPOINT": endpoint,
        "SMSC_INSECURE_HTTP": "1",
    }


def run(arguments: list[str], endpoint: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, arguments, env={**env_for(endpoint), **env})
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8", bom: bytes = b"") -> None:
    path.write_bytes(bom + ("\r\n".join(lines) + "\r\n").encode(encoding))


def results(path: Path, encoding: str = "utf-8", delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as file:
        return list(csv.DictReader(file, delimiter=delimiter))


def data_rows(path: Path) -> int:
    return max(path.read_bytes().count(b"\n") - 1, 0) if path.exists() else 0


def unused_port() -> int:
    """A free port below the range the system hands out to outgoing connections, so that none
    of the client's own connections can take it before the sandbox does."""
    while True:
        port = random.randrange(20_000, 32_000)  # noqa: S311 - a port, not a secret
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@pytest.mark.slow
def test_2000_rows_with_a_dead_endpoint_for_the_first_half_then_a_rerun(tmp_path: Path) -> None:
    """The first run meets a dead endpoint that comes up half-way; the rerun looks up exactly
    the rows that failed in passing, and keeps every final answer, errors included."""
    known = [str(n) for n in range(1990)]
    unknown = [str(n) for n in range(5000, 5005)]  # final: not found
    source, output = tmp_path / "export.csv", tmp_path / "results.csv"
    write_lines(
        source,
        [
            "Телефон;ID",
            *(f"{PHONE};{n}" for n in known + unknown),
            *(f"bad-{n};{n}" for n in range(6000, 6005)),  # final: refused by the client
        ],
        encoding="cp1251",
    )
    port = unused_port()
    arguments = ["batch", str(source), "-o", str(output), "--delimiter", ";"]
    arguments += ["--encoding", "cp1251", "--retries", "0"]
    servers: list[Sandbox] = []

    def come_up_half_way() -> None:
        give_up = time.monotonic() + 60
        while data_rows(output) < 1000 and time.monotonic() < give_up:
            time.sleep(0.002)
        servers.append(Sandbox(SandboxApp(book_of(known), OPTIONS), port=port).start())

    reviver = threading.Thread(target=come_up_half_way)
    reviver.start()
    try:
        code, _, err = run(arguments, f"http://127.0.0.1:{port}/sys/soap.php")
    finally:
        reviver.join()
        servers[0].stop()

    assert code == ExitCode.FAILED_ROWS, err
    first = {row["id"]: row for row in results(output, "cp1251")}
    dead = {i for i, row in first.items() if row["error_type"] == "ConnectionFailedError"}
    assert 1000 <= len(dead) < len(known), "the endpoint did not come up half-way"
    assert dead <= set(known)
    refused = first[next(iter(dead))]["error"]
    assert refused == f"the connection to 127.0.0.1:{port} could not be made: connection refused"
    assert f"; {len(dead)} failed in passing: run the same command again" in err

    # The rerun's sandbox knows only the rows that failed, and the messages that were not found:
    # a row looked up again that should not be would come back as an error, or as found.
    rerun_book = book_of(sorted(dead) + unknown)
    with Sandbox(SandboxApp(rerun_book, OPTIONS)) as alive:
        code, _, err = run(arguments, alive.soap_endpoint)

    assert code == ExitCode.FAILED_ROWS, err
    assert f"{len(dead)} of them looked up again after failing in passing" in err
    assert f"{2000 - len(dead)} from an earlier run" in err
    rows = results(output, "cp1251")
    assert [int(row["line"]) for row in rows] == list(range(2, 2002))  # in the input's order
    by_id = {row["id"]: row for row in rows}
    assert all(by_id[i]["status"] == "1" and not by_id[i]["error"] for i in known)
    assert {by_id[i]["error_type"] for i in unknown} == {"MessageNotFoundError"}
    assert {by_id[str(n)]["error_type"] for n in range(6000, 6005)} == {"InvalidParametersError"}


def test_an_input_replaced_between_runs_is_refused_then_restarted(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "export.results.csv"
    write_lines(source, ["phone;id", f"{PHONE};4", f"{PHONE};5"])
    arguments = ["batch", str(source), "--delimiter", ";"]
    assert run(arguments, sandbox.soap_endpoint)[0] == ExitCode.OK
    yesterday = output.read_bytes()
    write_lines(source, ["phone;id", f"{PHONE};10", f"{PHONE};11"])  # today's export

    code, _, err = run(arguments, sandbox.soap_endpoint)

    assert code == ExitCode.USAGE
    assert "cannot be resumed" in err
    assert "--restart" in err
    assert output.read_bytes() == yesterday

    code, _, err = run([*arguments, "--restart"], sandbox.soap_endpoint)

    assert code == ExitCode.OK, err
    assert [row["id"] for row in results(output)] == ["10", "11"]  # in the input's order


def test_another_delimiter_or_encoding_is_never_mixed_into_an_output(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "out.csv"
    write_lines(source, [f"{PHONE};4", f"{PHONE};5"], encoding="cp1251")
    first = ["batch", str(source), "-o", str(output), "--delimiter", ";"]
    assert run(first, sandbox.soap_endpoint)[0] == ExitCode.OK
    written = output.read_bytes()

    for changed in (["--encoding", "cp1251"], ["--all", "1"]):
        code, _, err = run([*first, *changed], sandbox.soap_endpoint)

        assert code == ExitCode.USAGE, changed
        assert "cannot be resumed" in err
        assert output.read_bytes() == written
    code, _, err = run(first[:-2], sandbox.soap_endpoint)
    assert code == ExitCode.USAGE
    assert "looks `;`-separated, not `,`: add --delimiter ';'" in err
    assert output.read_bytes() == written


def test_an_existing_file_that_is_not_a_journal_is_not_appended_to(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "report.csv"
    write_lines(source, [f"{PHONE},4"])
    output.write_text("quarter,total\nQ1,100\n")

    code, _, err = run(["batch", str(source), "-o", str(output)], sandbox.soap_endpoint)

    assert code == ExitCode.USAGE
    assert f"{output} exists and is not an output of smsc-soap batch" in err
    assert output.read_text() == "quarter,total\nQ1,100\n"


def test_an_output_equal_to_the_input_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    write_lines(source, [f"{PHONE},4"])
    before = source.read_bytes()

    code, _, err = run(["batch", str(source), "-o", str(source)], sandbox.soap_endpoint)

    assert code == ExitCode.USAGE
    assert "is the input itself" in err
    assert source.read_bytes() == before


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_bom_utf8_export_with_russian_headers_and_extra_columns(
    sandbox: Sandbox, tmp_path: Path, encoding: str
) -> None:
    """Excel's "CSV UTF-8": a byte-order mark, whatever --encoding says, Russian names, the
    document's own columns, and phones as people type them."""
    source, output = tmp_path / "Выгрузка.csv", tmp_path / "Результаты.csv"
    write_lines(
        source,
        [
            "Номер документа;Мобильный телефон;ID сообщения;Комментарий;status",
            "РТУ-0001;+7 (999) 000-00-01;3;первый;x",
            "РТУ-0002;7 999 000-00-01;7;;y",
            "РТУ-0003;8 (999) abc;8;нет номера;z",
        ],
        bom=b"\xef\xbb\xbf",
    )

    code, _, err = run(
        ["batch", str(source), "-o", str(output), "--delimiter", ";", "--encoding", encoding],
        sandbox.soap_endpoint,
    )

    assert code == ExitCode.FAILED_ROWS, err
    content = output.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # the input's mark, whatever --encoding says
    assert content.count(b"\r\n") == content.count(b"\n")  # and its line endings
    rows = results(output, "utf-8-sig")
    assert list(rows[0]) == [
        "line",
        *("phone", "id", "status", "status_name", "outcome", "err", "err_name"),
        *("send_date", "last_date", "cost", "error_type", "error"),
        *("Номер документа", "Комментарий", "input_status", "run"),
    ]
    by_line = {row["line"]: row for row in rows}
    assert by_line["2"]["phone"] == by_line["3"]["phone"] == PHONE  # as the service reads it
    assert by_line["2"]["status_name"] == "Delivered"
    assert by_line["3"]["status_name"] == "Delivered"
    assert [by_line[n]["Номер документа"] for n in "234"] == ["РТУ-0001", "РТУ-0002", "РТУ-0003"]
    assert [by_line[n]["Комментарий"] for n in "234"] == ["первый", "", "нет номера"]
    assert [by_line[n]["input_status"] for n in "234"] == ["x", "y", "z"]
    assert by_line["4"]["error_type"] == "InvalidParametersError"
    assert "line 4: phone '8999abc' must be digits" in err


def test_columns_named_by_option_by_header_or_by_number(sandbox: Sandbox, tmp_path: Path) -> None:
    named, numbered = tmp_path / "named.csv", tmp_path / "numbered.csv"
    write_lines(named, ["Док.;Тел. клиента;Номер SMS", f"А-1;{PHONE};3"])
    write_lines(numbered, [f"3;А-1;{PHONE}"])

    by_name = ["--phone-column", "тел клиента", "--id-column", "НОМЕР_SMS"]
    code, _, err = run(["batch", str(named), "--delimiter", ";", *by_name], sandbox.soap_endpoint)
    assert code == ExitCode.OK, err
    assert results(tmp_path / "named.results.csv")[0]["Док."] == "А-1"

    by_number = ["--phone-column", "3", "--id-column", "1"]
    code, _, err = run(
        ["batch", str(numbered), "--delimiter", ";", *by_number], sandbox.soap_endpoint
    )
    assert code == ExitCode.OK, err
    row = results(tmp_path / "numbered.results.csv")[0]
    assert (row["phone"], row["id"], row["column_2"]) == (PHONE, "3", "А-1")


def test_a_header_without_an_id_column_asks_for_one(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    write_lines(source, ["Телефон;Код", f"{PHONE};3"])

    code, _, err = run(["batch", str(source), "--delimiter", ";"], sandbox.soap_endpoint)

    assert code == ExitCode.USAGE
    assert "the header names no message id column" in err
    assert "--id-column" in err
    assert not (tmp_path / "export.results.csv").exists()


@pytest.mark.parametrize("lines", [[], ["", "  "], ["phone;id"]], ids=["empty", "blank", "header"])
def test_an_input_with_no_rows_is_a_usage_error(
    sandbox: Sandbox, tmp_path: Path, lines: list[str]
) -> None:
    source = tmp_path / "export.csv"
    source.write_text("\n".join(lines))

    code, _, err = run(["batch", str(source), "--delimiter", ";"], sandbox.soap_endpoint)

    assert code == ExitCode.USAGE
    assert "has no rows to look up" in err


def test_repeated_rows_are_looked_up_once_and_written_for_every_line(tmp_path: Path) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "out.csv"
    write_lines(source, ["phone,id", *[f"{PHONE},42"] * 12, f"{PHONE},43"])
    delivered = respond(soap_reply([("status", "1"), ("err", "0")]))

    with FaultServer([delivered]) as server:
        code, _, err = run(["batch", str(source), "-o", str(output)], server.url)

    assert code == ExitCode.OK, err
    assert len(server.requests) == 2
    rows = results(output, delimiter=",")
    assert sorted(int(row["line"]) for row in rows) == list(range(2, 15))
    assert {row["status"] for row in rows} == {"1"}
    assert "11 repeated lines answered by the same lookup" in err


def test_json_lines_with_every_field_of_all_2_and_errors_in_their_column(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source = tmp_path / "export.csv"
    write_lines(source, ["phone,id,order", f"{PHONE},3,A-1", f"{PHONE},999,A-2"])

    code, _, err = run(
        ["batch", str(source), "--format", "jsonl", "--all", "2"],
        sandbox.status_endpoint,
        SMSC_TRANSPORT="http",  # the HTTP API answers every field of all=2
    )

    assert code == ExitCode.FAILED_ROWS, err
    lines = (tmp_path / "export.results.jsonl").read_text(encoding="utf-8").splitlines()
    rows = {row["line"]: row for row in map(json.loads, lines)}
    found, missing = rows[2], rows[3]
    assert (found["status"], found["status_name"], found["err"]) == (1, "Delivered", 0)
    assert found["service_status_name"] == "Доставлено"
    assert (found["country"], found["operator"], found["region"]) == ("Россия", "МТС", "Москва")
    assert (found["message"], found["comment"], found["order"]) == ("Привет", "заказ", "A-1")
    assert (found["error_type"], found["error"]) == (None, None)
    assert missing["status"] is None
    assert missing["error_type"] == "MessageNotFoundError"
    assert missing["error"] == "SMSC error 3: Message not found."
    assert "line 3: SMSC error 3: Message not found." in err


def test_a_half_written_json_line_is_dropped_on_resume(sandbox: Sandbox, tmp_path: Path) -> None:
    source, output = tmp_path / "export.csv", tmp_path / "export.results.jsonl"
    write_lines(source, [f"{PHONE},{n}" for n in range(1, 9)])
    arguments = ["batch", str(source), "--format", "jsonl"]
    assert run(arguments, sandbox.soap_endpoint)[0] == ExitCode.OK
    lines = output.read_bytes().splitlines(keepends=True)
    output.write_bytes(b"".join(lines[:5]) + lines[5][:30])  # as if killed mid-row

    code, _, err = run(arguments, sandbox.soap_endpoint)

    assert code == ExitCode.OK, err
    assert "5 from an earlier run" in err
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["line"] for row in rows) == list(range(1, 9))


# Root writes into read-only directories: as root, the command runs without that power, as
# any other user would (it drops CAP_DAC_OVERRIDE from its bounding set, then starts the CLI).
WITHOUT_OVERRIDE = """
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(24, 1, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
    sys.exit(99)
os.execv(sys.executable, [sys.executable, "-m", "smsc_soap", *sys.argv[1:]])
"""
CANNOT_DROP = 99


def run_unprivileged(
    arguments: list[str], cwd: Path, endpoint: str
) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, without root's power over file permissions."""
    start = ["-c", WITHOUT_OVERRIDE] if os.geteuid() == 0 else ["-m", "smsc_soap"]
    done = subprocess.run(
        [sys.executable, *start, *arguments],
        cwd=cwd,
        env={**os.environ, **env_for(endpoint)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode == CANNOT_DROP:
        pytest.skip("run as root, and not allowed to drop root's power over permissions")
    return done


def test_an_output_into_a_read_only_directory_is_one_line_and_exit_8(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    write_lines(tmp_path / "export.csv", [f"{PHONE},3"])
    (tmp_path / "read-only").mkdir(mode=0o555)
    arguments = ["batch", "export.csv", "-o", "read-only/out.csv"]

    done = run_unprivileged(arguments, tmp_path, sandbox.soap_endpoint)

    assert done.returncode == ExitCode.SYSTEM
    assert done.stderr == (
        "error: cannot write the results to read-only/out.csv: permission denied\n"
    )


@pytest.mark.parametrize(
    ("output", "reason"),
    [("missing/out.csv", "no such file or directory"), ("export.csv/out.csv", "not a directory")],
    ids=["missing", "under-a-file"],
)
def test_an_output_in_no_directory_is_one_line_and_exit_8(
    sandbox: Sandbox, tmp_path: Path, output: str, reason: str
) -> None:
    source = tmp_path / "export.csv"
    write_lines(source, [f"{PHONE},3"])

    code, _, err = run(["batch", str(source), "-o", str(tmp_path / output)], sandbox.soap_endpoint)

    assert code == ExitCode.SYSTEM
    assert err == f"error: cannot write the results to {tmp_path / output}: {reason}\n"


def test_excels_unicode_text_is_read_and_resumed_in_utf16(sandbox: Sandbox, tmp_path: Path) -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, cells separated by tabs."""
    source, output = tmp_path / "export.txt", tmp_path / "out.txt"
    lines = ["Телефон\tID\tКлиент", *(f"{PHONE}\t{n}\tООО «Ромашка»" for n in range(1, 7))]
    write_lines(source, lines, encoding="utf-16-le", bom=b"\xff\xfe")
    arguments = ["batch", str(source), "-o", str(output), "--delimiter", "\\t"]
    arguments += ["--encoding", "utf-16"]
    assert run(arguments, sandbox.soap_endpoint)[0] == ExitCode.OK
    content = output.read_bytes()
    cut = content.index("\n".encode("utf-16-le"), len(content) // 2) + 2
    output.write_bytes(content[: cut + 5])  # a kill in the middle of a character

    code, _, err = run(arguments, sandbox.soap_endpoint)

    assert code == ExitCode.OK, err
    assert output.read_bytes().startswith(b"\xff\xfe")
    rows = results(output, "utf-16", delimiter="\t")
    assert [row["id"] for row in rows] == [str(n) for n in range(1, 7)]
    assert {row["Клиент"] for row in rows} == {"ООО «Ромашка»"}
