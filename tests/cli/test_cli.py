"""The command line: the demo and the sandbox, in-process and as the README runs them."""

from __future__ import annotations

import csv
import io
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.sandbox import default_book

SMSC_SOAP = str(Path(sys.executable).parent / "smsc-soap")


def test_demo_prints_the_table_and_a_summary() -> None:
    result = CliRunner().invoke(main, ["demo"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "id",
        "phone",
        "status",
        "status_name",
        "outcome",
        "err_name",
        "send_date",
        "last_date",
        "cost",
        "error_type",
    ]
    for label in ("1 +Delivered", "0 +Transferred to the operator", "25 +Unavailable number"):
        assert re.search(label, result.output)
    assert re.search(r"^999999 +79990000000 +MessageNotFoundError$", result.output, re.M)
    lookups = len(default_book()) + 1
    assert lines[-1].startswith(f"{lookups} lookups over SOAP at http://127.0.0.1:")
    # Each message's status, pushed by the sandbox as a signed callback and read back.
    pushed = re.fullmatch(
        r"(\d+) statuses pushed as signed callbacks to http://127\.0\.0\.1:\d+/smsc/callback,"
        r" (\d+) as the lookup read them",
        lines[-2],
    )
    assert pushed is not None, lines[-2]
    assert int(pushed[1]) == len(default_book())
    assert int(pushed[2]) >= len(default_book()) - 3  # the three that move may have moved


def test_demo_as_the_readme_runs_it() -> None:
    done = subprocess.run([SMSC_SOAP, "demo"], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "lookups over SOAP" in done.stdout.splitlines()[-1]


def test_sandbox_prints_its_url_first_and_serves_until_interrupted() -> None:
    server = subprocess.Popen(
        [SMSC_SOAP, "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        wsdl = requests.get(f"{url}/sys/soap.php?wsdl", timeout=5)
        assert f'location="{url}/sys/soap.php"'.encode() in wsdl.content
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 130  # Ctrl-C, as every command


def test_show_book_prints_the_default_book_as_csv() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--show-book"])

    assert result.exit_code == 0
    assert result.output == default_book().to_csv()
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["id"] for row in rows] == [message.id for message in default_book()]
    assert {row["status"] for row in rows} >= {"-2", "-1", "0", "1", "20", "25"}


def test_a_bad_book_is_a_usage_error(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("id,phone,colour\n1,79990000001,red\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["sandbox", "--book", str(book)])

    assert result.exit_code == 2
    assert "unknown columns colour" in result.output
