"""Each entry point loads only the heavy libraries it uses, seen in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import click
import pytest

from smsc_soap.cli import COMMANDS, main

HEAVY = frozenset(
    {
        "click",
        "lxml",
        "platformdirs",
        "pydantic",
        "pydantic_settings",
        "requests",
        "rich",
        "smpplib",
        "tenacity",
        "urllib3",
        "uvicorn",
        "zeep",
    }
)


OWN = frozenset({"smsc_soap.sandbox"})
"""Parts of the package an entry point must not load."""


def loaded_after(code: str) -> set[str]:
    """The heavy libraries (and parts of the package in ``OWN``) a fresh interpreter has loaded
    once ``code`` has run."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        import json, sys
        names = {name.partition(".")[0] for name in sys.modules} | set(sys.modules)
        print(json.dumps(sorted(names)), file=sys.stderr)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return (HEAVY | OWN) & set(json.loads(done.stderr.splitlines()[-1]))


def command_line(*arguments: str) -> str:
    return f"""
        import sys
        sys.argv = ["smsc-soap", *{list(arguments)!r}]
        from smsc_soap.cli import main
        try:
            main()
        except SystemExit as exit:
            assert exit.code == 0, exit.code
        """


ENTRY_POINTS = {
    "import smsc_soap": ("import smsc_soap", set(), HEAVY),
    "the client's import": (
        "from smsc_soap import StatusClient",
        {"requests", "pydantic"},
        HEAVY - {"requests", "urllib3", "pydantic", "tenacity"},
    ),
    "a failed lookup over HTTP": (
        """
        from smsc_soap import ConnectionFailedError, RetryPolicy, StatusClient
        client = StatusClient(
            "demo", "secret", transport="http", endpoint="http://127.0.0.1:1/sys/status.php",
            allow_insecure_http=True, retry=RetryPolicy.disabled(),
        )
        try:
            client.get_status("79991234567", "1")
        except ConnectionFailedError:
            pass
        """,
        {"requests"},
        {"zeep", "lxml", "rich", "click", "smpplib", "uvicorn", "pydantic_settings"},
    ),
    "a SOAP client": (
        "from smsc_soap import StatusClient; StatusClient('demo', 'secret')",
        {"zeep", "lxml", "requests"},
        {"rich", "click", "smpplib", "uvicorn", "pydantic_settings", "platformdirs"},
    ),
    "receipts": (
        "from smsc_soap import parse_receipt",
        set(),
        {"smpplib", "zeep", "lxml", "requests", "uvicorn"},
    ),
    "an SMPP transport, made": (
        """
        from smsc_soap import SmppStatusTransport
        SmppStatusTransport(host="127.0.0.1", port=2775, source_addr="SMSC.RU")
        """,
        {"pydantic"},
        {"smpplib", "zeep", "lxml", "uvicorn", "click", "rich"},
    ),
    "the gateway, as a library": (
        "from smsc_soap.gateway import Gateway, GatewayApp, Upstream",
        set(),
        {"rich", "click", "smpplib", "zeep", "uvicorn", "smsc_soap.sandbox"},
    ),
    "smsc-soap --help": (command_line("--help"), {"click"}, HEAVY - {"click"}),
    "smsc-soap --version": (command_line("--version"), {"click"}, HEAVY - {"click"}),
    "smsc-soap status --help": (
        command_line("status", "--help"),
        {"click"},
        {"zeep", "lxml", "smpplib", "uvicorn", "platformdirs"},
    ),
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    """What each entry point loads; the interpreters run two at a time, to keep this quick."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(loaded_after, (code for code, _, _ in ENTRY_POINTS.values()))
        return dict(zip(ENTRY_POINTS, found, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_an_entry_point_loads_only_what_it_uses(
    loaded: dict[str, set[str]], entry_point: str
) -> None:
    _, needed, not_needed = ENTRY_POINTS[entry_point]

    assert needed <= loaded[entry_point]
    assert not loaded[entry_point] & not_needed


def test_help_lists_each_command_as_the_command_itself_describes_it() -> None:
    context = click.Context(main)
    for name, (_, summary) in COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None
        first_paragraph = (command.help or "").split("\n\n")[0]
        assert " ".join(first_paragraph.split()) == summary
    assert main.list_commands(context) == sorted(COMMANDS)
