"""Serving cached statuses: how many requests a second the gateway answers from its cache,
with what p99 and how much of its CPU each takes, at 1, 8 and 64 callers on each face, side
by side with the floor.

The gateway (``smsc-soap serve``, its own process, the sandbox behind it) is asked once for a
message on each face, so that the status is cached; the message is undeliverable, a final
status, so that every request after is answered from the cache (a status that can still
change is asked for again every 12 s, and the requests that come meanwhile wait for that
lookup: the gateway section measures such polling); then wrk (``apt-get install wrk``) asks
for it again and again from 1, 8 and 64 kept-alive connections for a fixed time: the SOAP
face (a ``get_status`` envelope POSTed), the HTTP face (``status.php``, ``fmt=0``) and the
JSON face (``GET /v1/status`` with Basic auth). The floor is a bare ASGI app on the same
server stack (uvicorn with the gateway's HTTP protocol and settings, in a process of its own)
answering each face's request with the very bytes the gateway answered it with. CPU per
request is the server process's user and system time (``/proc``, 10 ms ticks) over the
requests wrk counted; wrk runs on the same two cores. Gateway and floor alternate in a new
random order for each face and number of callers. The goals are at 64 callers: at least 0.3 of
the floor's requests a second, at most 100 µs of CPU per request, a p99 of 10 ms at most (at 1
and 8 callers the loop's wake-ups are shared by fewer requests, and each costs more).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .gateway import AUTH, COMMAND, _cpu_of
from .sandbox_server import PHONE
from .stats import Figure, Section, Spread
from .throughput import ROOT, sandbox

CALLERS = (1, 8, 64)
UNDELIVERABLE = 20
"""The message's status: final, so that every request is answered from the cache."""
MESSAGE = "0"
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:s="http://smsc.ru/sys/soap.php"><soap:Body><s:status><login>demo</login>'
    f"<psw>demo</psw><phone>{PHONE}</phone><id>{MESSAGE}</id><all>0</all>"
    "</s:status></soap:Body></soap:Envelope>"
)
BASIC = "Basic ZGVtbzpkZW1v"  # demo:demo
WRK = shutil.which("wrk")


@dataclass(frozen=True)
class Face:
    name: str
    path: str
    query: str
    lua: str

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


FACES = (
    Face(
        "SOAP",
        "/sys/soap.php",
        "",
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/xml; charset=utf-8"\n'
        f"wrk.body = [[{ENVELOPE}]]\n",
    ),
    Face("HTTP", "/sys/status.php", f"login=demo&psw=demo&phone={PHONE}&id={MESSAGE}&fmt=0", ""),
    Face(
        "JSON",
        "/v1/status",
        f"phone={PHONE}&id={MESSAGE}",
        f'wrk.headers["Authorization"] = "{BASIC}"\n',
    ),
)
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass
class Run:
    per_second: float
    p99: float
    cpu_per_request: float


def measure(rounds: int, seconds: float, latency_ms: float) -> Section:
    if WRK is None:
        raise RuntimeError("wrk is needed: apt-get install wrk")
    results: dict[tuple[str, str, int], list[Run]] = {}
    for _ in range(rounds):
        with (
            tempfile.TemporaryDirectory() as state,
            sandbox(1, latency_ms, UNDELIVERABLE) as url,
        ):
            environment = {
                **os.environ,
                "XDG_STATE_HOME": state,
                "SMSC_ENDPOINT": f"{url}/sys/soap.php",
            }
            with _server([*COMMAND, "serve", "--port", "0", "--insecure-http"], environment) as (
                gateway,
                gateway_pid,
            ):
                replies = _canned(gateway)
                replies_file = Path(state) / "replies.json"
                replies_file.write_text(json.dumps(replies))
                floor_command = [sys.executable, "-m", "bench.floor_server", str(replies_file)]
                with _server(floor_command, environment) as (floor, floor_pid):
                    for face in FACES:
                        for callers in CALLERS:
                            servers = [
                                ("gateway", gateway, gateway_pid),
                                ("floor", floor, floor_pid),
                            ]
                            random.shuffle(servers)
                            for name, base, pid in servers:
                                run = _wrk(base, pid, face, callers, seconds, Path(state))
                                results.setdefault((face.name, name, callers), []).append(run)
    return Section("Serving cached statuses", " ".join((__doc__ or "").split()), _figures(results))


def _figures(results: dict[tuple[str, str, int], list[Run]]) -> list[Figure]:
    figures: list[Figure] = []
    for face in FACES:
        for callers in CALLERS:
            gateway = results[(face.name, "gateway", callers)]
            floor = results[(face.name, "floor", callers)]
            load = f"{face.name}, {callers} callers"
            share = Spread.of_ratios([g.per_second for g in gateway], [f.per_second for f in floor])
            p99 = Spread.of([g.p99 * 1000 for g in gateway])
            cpu = Spread.of([g.cpu_per_request * 1e6 for g in gateway])
            top = callers == CALLERS[-1]
            figures += [
                Figure(
                    f"{load}: gateway, requests/s", Spread.of([g.per_second for g in gateway]), "/s"
                ),
                Figure(
                    f"{load}: floor, requests/s", Spread.of([f.per_second for f in floor]), "/s"
                ),
                Figure(
                    f"{load}: gateway / floor, requests/s",
                    share,
                    "x",
                    "≥ 0.3x" if top else "",
                    share.median >= 0.3 if top else None,
                ),
                Figure(
                    f"{load}: gateway, p99",
                    p99,
                    "ms",
                    "≤ 10 ms" if top else "",
                    p99.median <= 10 if top else None,
                ),
                Figure(f"{load}: floor, p99", Spread.of([f.p99 * 1000 for f in floor]), "ms"),
                Figure(
                    f"{load}: gateway, CPU per request",
                    cpu,
                    "µs",
                    "≤ 100 µs" if top else "",
                    cpu.median <= 100 if top else None,
                ),
                Figure(
                    f"{load}: floor, CPU per request",
                    Spread.of([f.cpu_per_request * 1e6 for f in floor]),
                    "µs",
                ),
            ]
    return figures


def _canned(gateway: str) -> dict[str, tuple[int, str, str]]:
    """Each face's reply to its request, once the status is cached: what the floor answers."""
    replies: dict[str, tuple[int, str, str]] = {}
    for face in FACES:
        for _ in range(2):  # the first asks the service; the second is the cached reply
            if face.name == "SOAP":
                reply = requests.post(
                    f"{gateway}{face.path}",
                    data=ENVELOPE.encode(),
                    headers={"Content-Type": "text/xml; charset=utf-8"},
                    timeout=60,
                )
            elif face.name == "JSON":
                reply = requests.get(f"{gateway}{face.target}", auth=AUTH, timeout=60)
            else:
                reply = requests.get(f"{gateway}{face.target}", timeout=60)
            reply.raise_for_status()
        replies[face.path] = (
            reply.status_code,
            reply.headers["Content-Type"],
            reply.content.decode("latin-1"),
        )
    return replies


def _wrk(base: str, pid: int, face: Face, callers: int, seconds: float, folder: Path) -> Run:
    script = folder / f"{face.name}.lua"
    script.write_text(face.lua)
    before = _cpu_of(pid)
    done = subprocess.run(
        [
            str(WRK),
            f"-t{min(callers, 2)}",
            f"-c{callers}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            f"{base}{face.target}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = _cpu_of(pid) - before
    output = done.stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors against {base}{face.target}:\n{output}")
    count = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return Run(per_second, float(value) * _UNITS[unit], cpu / count)


@contextmanager
def _server(command: list[str], environment: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A server process printing its base URL first; yields it and the process id."""
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
        cwd=ROOT,
    )
    try:
        if server.stdout is None:
            raise RuntimeError("the server's output is not piped")
        yield server.stdout.readline().strip(), server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
