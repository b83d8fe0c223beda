"""CPU per lookup with no network in the way: the client against raw zeep and two floors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .stats import Figure, Section, Spread

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.75


def measure(rounds: int, lookups: int) -> Section:
    done = subprocess.run(
        [sys.executable, "-m", "bench.lookups", str(rounds), str(lookups)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    µs = json.loads(done.stdout)
    zeep = µs["raw zeep"]
    ratio = Spread.of_ratios(µs["client"], zeep)
    figures = [
        Figure(f"CPU per lookup: {name}", Spread.of(values), "µs") for name, values in µs.items()
    ]
    figures += [
        Figure("client / raw zeep", ratio, "x", f"≤ {GOAL}x", ratio.median <= GOAL),
        Figure(
            "client with the caller's session (environment read per call) / raw zeep",
            Spread.of_ratios(µs["client, caller's session"], zeep),
            "x",
        ),
        Figure(
            "floor through requests / raw zeep",
            Spread.of_ratios(µs["floor through requests"], zeep),
            "x",
        ),
        Figure(
            "client / floor through requests",
            Spread.of_ratios(µs["client"], µs["floor through requests"]),
            "x",
        ),
        Figure("bare floor / raw zeep", Spread.of_ratios(µs["bare floor"], zeep), "x"),
    ]
    method = f"""\
Process time of {lookups:,} lookups per approach and round, in one process of its own where
every `requests.Session` (the client's own, zeep's, the floors') mounts an adapter that answers
one canned SOAP reply after requests has done all of its own work: no sockets. The approaches
run in a new random order each round; {rounds} rounds are counted after one that warms up, and
every ratio is taken within a round. *client* is `StatusClient.get_status` over SOAP with the
session it makes itself; *client, caller's session* is the same with `session=requests.Session()`
(requests reads the environment on every call); *raw zeep* is a `zeep.Client` service call on
the shipped WSDL; *floor through requests* posts an f-string envelope through a session that
does not read the environment, and reads every field of the reply with lxml; *bare floor* does
the same without requests."""
    return Section("CPU per lookup", method, figures)
