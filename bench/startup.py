"""Start-up: import plus client construction from wsdl_cache, against raw zeep on the same file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .stats import Figure, Spread

WSDL = Path(__file__).resolve().parent.parent / "wsdl_cache" / "soap.wsdl"
CLIENT = "import smsc_soap; smsc_soap.StatusClient('login', 'password')"
RAW_ZEEP = f"import zeep; zeep.Client({str(WSDL)!r})"


def _seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def measure(rounds: int) -> list[Figure]:
    client: list[float] = []
    raw: list[float] = []
    _seconds(CLIENT), _seconds(RAW_ZEEP)  # warm the file cache
    for _ in range(rounds):
        client.append(_seconds(CLIENT))
        raw.append(_seconds(RAW_ZEEP))
    ratio = Spread.of([c / r for c, r in zip(client, raw, strict=True)])
    return [
        Figure("start-up: import + StatusClient()", Spread.of([s * 1000 for s in client]), "ms"),
        Figure(
            "start-up: import + zeep.Client(wsdl_cache file)",
            Spread.of([s * 1000 for s in raw]),
            "ms",
        ),
        Figure("start-up, client / raw zeep", ratio, "x", "≤ 1.1x", ratio.median <= 1.1),
    ]
