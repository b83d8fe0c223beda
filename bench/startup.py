"""Start-up: fresh interpreters running an import or a command, each against ``import zeep``."""

from __future__ import annotations

import compileall
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .canned import canned_server
from .stats import Figure, Section, Spread

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCRIPT = Path(sys.executable).parent / "smsc-soap"
REFERENCE = "import zeep"
WSDL = ROOT / "wsdl_cache" / "soap.wsdl"
SERVICE = "{http://smsc.ru/sys/soap.php}ServiceSoap"
GOALS = {
    "import smsc_soap": 1.3,
    "from smsc_soap import StatusClient": 1.3,
    "smsc-soap --help": 0.8,
}


def _commands(endpoint: str, message_id: str) -> dict[str, list[str]]:
    """The commands of one round; ``message_id`` is new each round, as a script's next lookup
    would be, so no lookup waits for the limits' window of the one before."""
    smsc_soap = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "smsc_soap.cli"]
    raw_zeep_lookup = (
        f"import zeep; zeep.Client({str(WSDL)!r}).create_service({SERVICE!r}, {endpoint!r})"
        f".get_status(login='demo', psw='demo', phone='79991234567', id={message_id!r}, all='0')"
    )
    return {
        REFERENCE: [PYTHON, "-c", "import zeep"],
        "import smsc_soap": [PYTHON, "-c", "import smsc_soap"],
        "from smsc_soap import StatusClient": [PYTHON, "-c", "from smsc_soap import StatusClient"],
        "a SOAP client built (import, StatusClient())": [
            PYTHON,
            "-c",
            "from smsc_soap import StatusClient; StatusClient('demo', 'demo')",
        ],
        "raw zeep: a client built (import, zeep.Client(wsdl))": [
            PYTHON,
            "-c",
            f"import zeep; zeep.Client({str(WSDL)!r})",
        ],
        "smsc-soap --help": [*smsc_soap, "--help"],
        "smsc-soap --version": [*smsc_soap, "--version"],
        "smsc-soap status (one SOAP lookup)": [
            *smsc_soap,
            "status",
            "79991234567",
            message_id,
            "--endpoint",
            endpoint,
            "--insecure-http",
        ],
        "raw zeep script: one lookup": [PYTHON, "-c", raw_zeep_lookup],
    }


def _run(command: list[str], environment: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds of one run, the CPU its own (children's usage, before and after)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def measure(rounds: int, *, warm_up: bool = True) -> Section:
    # An installed package has its bytecode compiled by pip; this checkout may not.
    compileall.compile_dir(ROOT / "smsc_soap", quiet=1)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with canned_server() as endpoint, tempfile.TemporaryDirectory() as empty:
        # The command line's limit store (a SQLite file) in a directory of the run's own.
        environment = {
            **os.environ,
            "SMSC_LOGIN": "demo",
            "SMSC_PASSWORD": "demo",
            "XDG_STATE_HOME": empty,
        }
        rounds_run = [False] * warm_up + [True] * rounds  # warming up fills the file cache
        for round_number, counted in enumerate(rounds_run):
            commands = _commands(endpoint, str(round_number + 1))
            order = list(commands)
            random.shuffle(order)
            for name in order:
                seconds, used = _run(commands[name], environment, cwd=empty)  # no .env there
                if counted:
                    wall.setdefault(name, []).append(seconds)
                    cpu.setdefault(name, []).append(used)
    figures = [
        Figure(f"start-up, wall: {REFERENCE}", Spread.of([s * 1000 for s in wall[REFERENCE]]), "ms")
    ]
    for name in commands:
        if name == REFERENCE:
            continue
        ratio = Spread.of_ratios(wall[name], wall[REFERENCE])
        goal = GOALS.get(name)
        figures += [
            Figure(f"start-up, wall: {name}", Spread.of([s * 1000 for s in wall[name]]), "ms"),
            Figure(
                f"{name} / {REFERENCE}, wall",
                ratio,
                "x",
                f"≤ {goal}x" if goal else "",
                ratio.median <= goal if goal else None,
            ),
            Figure(f"{name} / {REFERENCE}, CPU", Spread.of_ratios(cpu[name], cpu[REFERENCE]), "x"),
        ]
    method = f"""\
Each command in a fresh interpreter, its wall time from start to exit and its own CPU time
(user + system, from the children's resource usage before and after). A round runs every
command once, in a new random order; {rounds} rounds are counted, after one that fills the
file cache, and every ratio is taken within a round against that round's `{REFERENCE}`. The
package's bytecode is compiled first, as pip does when it installs a package. `import
smsc_soap` loads the package alone (its names load when first used);
`from smsc_soap import StatusClient` loads what a first lookup needs short of zeep (requests,
pydantic, tenacity, the client); a SOAP client built adds zeep, the shipped WSDL read by zeep
and the requests compiled from it, against raw zeep reading the same file; `smsc-soap` is the
installed console script; `status` looks up
one message (a new one each round) over SOAP from the shipped WSDL against a local server
that answers a canned reply (a thread of the benchmark, asleep between requests), keeping the
limits in the command line's SQLite file (in a state directory of the run's own), and prints
its table; the raw zeep
script does the same lookup from the same file and prints nothing."""
    return Section("Start-up", method, figures)
