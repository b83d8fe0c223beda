"""Rounds of measurements, summarised as min/median/max, and the figures of the report."""

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

    @classmethod
    def of_ratios(cls, numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
        """Ratios taken round by round, each of two values measured side by side."""
        return cls.of([n / d for n, d in zip(numerators, denominators, strict=True)])

    def format(self, spec: str = ".2f") -> str:
        return f"{self.median:{spec}} ({self.low:{spec}}–{self.high:{spec}})"


@dataclass(frozen=True)
class Figure:
    """One line of the results table; ``goal`` reads like "≤ 1.3x", ``met`` is its verdict."""

    name: str
    value: Spread
    unit: str
    goal: str = ""
    met: bool | None = None

    def cells(self) -> tuple[str, str, str, str]:
        verdict = {None: "", True: "met", False: "**missed**"}[self.met]
        return (self.name, f"{self.value.format()} {self.unit}", self.goal, verdict)


@dataclass(frozen=True)
class Section:
    """A benchmark's figures and how they were measured."""

    title: str
    method: str
    figures: list[Figure]
