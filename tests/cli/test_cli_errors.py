"""No traceback reaches the user: bad options are usage errors, files and sockets that cannot be
used are one line and exit 8; ``-v`` shows the request lines, ``python -m smsc_soap`` runs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import smsc_soap
from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.sandbox import Sandbox

ROOT = Path(__file__).parents[2]


def invoke(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(arguments))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


def test_a_missing_env_file_is_a_usage_error() -> None:
    code, err = invoke("status", "79990001004", "1004", "--env-file", "nope.env")

    assert code == ExitCode.USAGE
    assert "'nope.env' does not exist" in err


@pytest.mark.parametrize(
    "arguments",
    [["--port", "99999"], ["--port", "-1"], ["--latency", "-5"], ["--latency", "600000"]],
    ids=["port-too-high", "port-negative", "latency-negative", "latency-too-long"],
)
def test_sandbox_options_out_of_range_are_usage_errors(arguments: list[str]) -> None:
    # --show-book ends the command at once, should the range not be checked.
    code, err = invoke("sandbox", *arguments, "--show-book")

    assert code == ExitCode.USAGE
    assert "is not in the range" in err


def test_a_sandbox_port_in_use_is_one_line_and_exit_8() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        code, err = invoke("sandbox", "--port", str(port))

    assert code == ExitCode.SYSTEM
    assert err == f"error: cannot listen on 127.0.0.1:{port}: the port is already in use\n"


def test_a_sandbox_address_not_on_this_machine_is_one_line_and_exit_8() -> None:
    code, err = invoke("sandbox", "--host", "192.0.2.1")  # TEST-NET-1: nobody's

    assert code == ExitCode.SYSTEM
    assert err == "error: cannot listen on 192.0.2.1:0: the address is not one of this machine's\n"


def test_any_other_file_error_is_one_line_and_exit_8(sandbox: Sandbox, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    url = f"{sandbox.soap_endpoint}?wsdl"

    code, err = invoke("wsdl", "refresh", "--url", url, "--cache-dir", str(a_file / "cache"))

    assert code == ExitCode.SYSTEM
    assert re.fullmatch(rf"error: {re.escape(str(a_file))}/cache\S*: not a directory\n", err)


def run_module(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsc_soap", *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_verbose_shows_the_request_lines_and_not_zeeps_schema_loading(sandbox: Sandbox) -> None:
    done = run_module(  # which shows that python -m smsc_soap runs the command line, too
        "status",
        "79990001004",
        "1004",
        "-v",
        SMSC_LOGIN="demo",
        SMSC_PASSWORD="demo",
        SMSC_ENDPOINT=sandbox.soap_endpoint,
        SMSC_INSECURE_HTTP="1",
    )

    assert done.returncode == ExitCode.OK, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"smsc_soap\.client: get_status id=1004 attempt 1: status 1 in \d+\.\d{3} s", lines[0]
    )


def pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r'^version = "([^"]+)"', text, re.M)
    assert found is not None
    return found[1]


def test_the_command_line_tells_its_version() -> None:
    result = CliRunner().invoke(main, ["--version"])

    assert result.exit_code == 0
    assert result.output.endswith(f", version {pyproject_version()}\n")


def test_the_package_has_a_version() -> None:
    assert smsc_soap.__version__ == pyproject_version()
