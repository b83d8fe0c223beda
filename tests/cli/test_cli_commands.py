"""status, batch and wsdl: in-process against the sandbox, and as a subprocess killed half-way."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.sandbox import BookMessage, Sandbox
from smsc_soap.wsdl.shipped import shipped_wsdl

SMSC_SOAP = str(Path(sys.executable).parent / "smsc-soap")
SECRET = "Cli-pa55-never-shown"


pytestmark = pytest.mark.sandbox(
    lambda: (
        BookMessage(id=str(n), phone=PHONE, status=(1, 0, 20)[n % 3], message="Привет")
        for n in range(2000)
    ),
    password=SECRET,
    api_key="key-123",
    enforce_limits=False,
)
PHONE = "79990000001"

# The exit codes the README documents.
OK = 0
ERROR = 1
USAGE = 2
AUTHENTICATION = 3
RATE_LIMITED = 4
TRANSPORT = 5
NOT_FOUND = 6
FAILED_ROWS = 7
INTERRUPTED = 130
EXIT_CODES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]


def env_for(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    return {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": SECRET,
        "SMSC_ENDPOINT": sandbox.soap_endpoint,
        "SMSC_INSECURE_HTTP": "1",
        **extra,
    }


def run(arguments: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, arguments, env=env)
    assert SECRET not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_status_as_a_table(sandbox: Sandbox) -> None:
    code, out, _ = run(["status", PHONE, "3", "--all", "1"], env_for(sandbox))

    assert code == OK
    header, _, row = out.splitlines()[:3]
    assert header.split()[:4] == ["phone", "id", "status", "status_name"]
    assert row.split()[:5] == [PHONE, "3", "1", "Delivered", "delivered"]
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00", row)


def test_status_as_json_and_csv(sandbox: Sandbox) -> None:
    code, out, _ = run(["status", PHONE, "5", "--format", "json"], env_for(sandbox))
    assert code == 0
    assert json.loads(out)["status"] == 20

    code, out, _ = run(["status", PHONE, "4", "--format", "csv"], env_for(sandbox))
    assert code == 0
    header, row = out.splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["status_name"] == (
        "Transferred to the operator"
    )


def test_status_with_query_and_over_http_with_an_api_key(sandbox: Sandbox) -> None:
    env = {"SMSC_API_KEY": "key-123", "SMSC_TRANSPORT": "http", "SMSC_INSECURE_HTTP": "1"}
    env["SMSC_ENDPOINT"] = sandbox.status_endpoint
    code, out, _ = run(["status", PHONE, "3", "--query", "comment=a b", "--format", "json"], env)

    assert code == 0
    assert json.loads(out)["status"] == 1


@pytest.mark.parametrize(
    ("arguments", "env_changes", "expected"),
    [
        (["status", PHONE, "99999"], {}, NOT_FOUND),
        (["status", PHONE, "1"], {"SMSC_PASSWORD": "wrong"}, AUTHENTICATION),
        (["status", PHONE, "1"], {"SMSC_LOGIN": ""}, USAGE),
        (["status", "not-a-phone", "1"], {}, USAGE),
        (["status", PHONE, "1", "--query", "novalue"], {}, USAGE),
        (
            ["status", PHONE, "1", "--retries", "0"],
            {"SMSC_ENDPOINT": "http://127.0.0.1:9/x"},
            TRANSPORT,
        ),
        (["status", PHONE, "1"], {"SMSC_TRANSPORT": "smtp"}, USAGE),
    ],
    ids=["not-found", "auth", "no-login", "bad-phone", "bad-query", "no-server", "bad-transport"],
)
def test_exit_codes(
    sandbox: Sandbox, arguments: list[str], env_changes: dict[str, str], expected: int
) -> None:
    code, _, err = run(arguments, {**env_for(sandbox), **env_changes})

    assert code == expected, err


def test_flags_beat_the_environment_which_beats_the_env_file(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env_file = tmp_path / "settings.env"
    env_file.write_text(f"SMSC_LOGIN=demo\nSMSC_PASSWORD={SECRET}\n")
    base = ["status", PHONE, "3", "--env-file", str(env_file), "--insecure-http"]
    endpoint = {"SMSC_ENDPOINT": sandbox.soap_endpoint}

    assert run(base, endpoint)[0] == OK  # the file alone
    assert run(base, {**endpoint, "SMSC_PASSWORD": "wrong"})[0] == AUTHENTICATION
    with_flag = [*base, "--password", SECRET]
    assert run(with_flag, {**endpoint, "SMSC_PASSWORD": "wrong"})[0] == OK


def test_verbose_output_never_echoes_the_password(sandbox: Sandbox) -> None:
    done = subprocess.run(
        [SMSC_SOAP, "status", PHONE, "3", "-vv"],
        env={**os.environ, **env_for(sandbox)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "<psw>[redacted]</psw>" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_help_lists_the_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    for code in EXIT_CODES:
        assert f"{code:>3}  " in result.output
    assert sorted(ExitCode) == EXIT_CODES


def write_input(path: Path, lines: list[str], encoding: str = "cp1251") -> None:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def read_results(path: Path, encoding: str = "cp1251") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def test_a_cp1251_batch_with_a_header_and_bad_rows(sandbox: Sandbox, tmp_path: Path) -> None:
    source, output = tmp_path / "выгрузка.csv", tmp_path / "out.csv"
    write_input(
        source,
        [
            "Телефон;ID;Комментарий",
            f"{PHONE};1;заказ 1",
            "bad",
            f"{PHONE};99999;",
            "",
            f"{PHONE};7",
        ],
    )

    code, _, err = run(
        ["batch", str(source), "-o", str(output), "--delimiter", ";", "--encoding", "cp1251"],
        env_for(sandbox),
    )

    assert code == FAILED_ROWS
    rows = {row["line"]: row for row in read_results(output)}
    assert sorted(rows, key=int) == ["2", "3", "4", "6"]
    assert rows["2"]["status_name"] == "Transferred to the operator"
    assert rows["6"]["status"] == "0"
    assert rows["2"]["last_date"].endswith("+03:00")
    assert rows["3"]["error_type"] == "InvalidParametersError"
    assert rows["4"]["error_type"] == "MessageNotFoundError"
    assert "line 3:" in err
    assert "2 found, 2 failed" in err


def test_a_batch_resumes_after_a_half_written_row(sandbox: Sandbox, tmp_path: Path) -> None:
    source, output = tmp_path / "in.csv", tmp_path / "in.results.csv"
    write_input(source, [f"{PHONE};{n}" for n in range(1, 11)], encoding="utf-8")
    arguments = ["batch", str(source), "--delimiter", ";"]
    assert run(arguments, env_for(sandbox))[0] == OK
    rows = output.read_bytes().splitlines(keepends=True)
    # as if killed: lines 1-6 done, the seventh cut mid-row
    output.write_bytes(b"".join(rows[:7]) + rows[7][:12])

    code, _, err = run(arguments, env_for(sandbox))

    assert code == OK
    lines = [row["line"] for row in read_results(output, "utf-8")]
    assert sorted(lines, key=int) == [str(n) for n in range(1, 11)]
    assert "6 from an earlier run" in err


def test_the_progress_bar_shows_rate_and_eta(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    write_input(source, [f"{PHONE},{n}" for n in range(1, 30)], encoding="utf-8")

    code, _, err = run(["batch", str(source), "--progress"], env_for(sandbox))

    assert code == OK, err
    assert "rows/s" in err
    assert "29/29" in err


def count_rows(path: Path) -> int:
    return max(path.read_bytes().count(b"\n") - 1, 0) if path.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_2000_rows_killed_half_way_and_resumed(
    sandbox: Sandbox, tmp_path: Path, stop: signal.Signals
) -> None:
    """The issue's bar: a 2,000-row cp1251 ';' CSV, stopped half-way, resumed, exactly 2,000."""
    source, output = tmp_path / "export.csv", tmp_path / "results.csv"
    write_input(source, ["phone;id", *(f"{PHONE};{n}" for n in range(2000))])
    command = [SMSC_SOAP, "batch", str(source), "-o", str(output), "--delimiter", ";"]
    command += ["--encoding", "cp1251", "--progress"]
    # The journal is under test: the places of the stopped run, whose requests may still run
    # at the service, are kept until their leases end (tests/limits), which a shared store would
    # make the second run wait for.
    env = {**os.environ, **env_for(sandbox), "SMSC_LIMITS": "memory://"}

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    give_up = time.monotonic() + 60
    while count_rows(output) < 700 and time.monotonic() < give_up and first.poll() is None:
        time.sleep(0.01)
    first.send_signal(stop)
    _, first_err = first.communicate(timeout=60)
    written_before = count_rows(output)
    assert 700 <= written_before < 2000, "the batch was not stopped half-way"
    if stop == signal.SIGINT:
        assert first.returncode == INTERRUPTED
        assert b"run the same command again to resume" in first_err

    second = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)

    assert second.returncode == OK, second.stderr.decode()
    assert b"2000/2000" in second.stderr
    assert b"rows/s" in second.stderr
    rows = read_results(output)
    lines = [row["line"] for row in rows]
    assert len(rows) == 2000
    assert len(set(lines)) == 2000
    assert {row["id"] for row in rows} == {str(n) for n in range(2000)}
    assert all(row["status"] for row in rows)
    assert SECRET.encode() not in output.read_bytes()


def test_wsdl_show_lists_operations_and_fields() -> None:
    result = CliRunner().invoke(main, ["wsdl", "show", "--host", "smsc.kz"])

    assert result.exit_code == 0
    assert "get_status2\n  in:  login, psw, phone, id, all, query" in result.output
    assert "statusresult.last_timestamp" in result.output


def test_wsdl_diff_against_the_sandbox_and_a_changed_copy(sandbox: Sandbox, tmp_path: Path) -> None:
    same = CliRunner().invoke(main, ["wsdl", "diff", "--url", f"{sandbox.soap_endpoint}?wsdl"])
    assert same.exit_code == 0, same.output
    assert "no drift" in same.output

    changed = shipped_wsdl("smsc.ru").replace(
        b'<xsd:element name="region" type="xsd:string" minOccurs="0"/>',
        b'<xsd:element name="country" type="xsd:string" minOccurs="0"/>',
    )
    copy = tmp_path / "live.wsdl"
    copy.write_bytes(changed)
    drifted = CliRunner().invoke(main, ["wsdl", "diff", "--file", str(copy)])

    assert drifted.exit_code == 1
    assert "+ get_status: out statusresult.country" in drifted.output
    assert "- get_status: out statusresult.region" in drifted.output


def test_wsdl_refresh_writes_the_cache_with_a_manifest(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"{sandbox.soap_endpoint}?wsdl"
    result = CliRunner().invoke(
        main, ["wsdl", "refresh", "--host", "smsc.ua", "--url", url, "--cache-dir", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    stored = tmp_path / "wsdl" / "smsc.ua" / "soap.wsdl"
    assert result.output.strip() == str(stored)
    manifest = json.loads((stored.parent / "manifest.json").read_text())
    assert manifest["source"] == url
    assert len(manifest["sha256"]) == 64


def test_wsdl_refresh_refuses_what_is_not_the_status_wsdl(tmp_path: Path) -> None:
    not_wsdl = tmp_path / "x.wsdl"
    not_wsdl.write_text("<html/>")

    result = CliRunner().invoke(main, ["wsdl", "diff", "--file", str(not_wsdl)])

    assert result.exit_code == USAGE
