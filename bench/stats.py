"""Rounds of measurements, summarised as min/median/max."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    low: float
    median: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(min(values), statistics.median(values), max(values))

    def format(self, spec: str = ".2f") -> str:
        return f"{self.median:{spec}} ({self.low:{spec}}–{self.high:{spec}})"


@dataclass(frozen=True)
class Figure:
    """One line of the results table."""

    name: str
    value: Spread
    unit: str
    target: str = ""
    met: bool | None = None

    def cells(self) -> tuple[str, str, str, str]:
        verdict = {None: "", True: "met", False: "**missed**"}[self.met]
        return (self.name, f"{self.value.format()} {self.unit}", self.target, verdict)
