"""Benchmarks for Gentle Back: every figure is a ratio against a baseline measured in the same run.

The machine these run on is small, shared and noisy, so no figure is reported alone: each module
measures the skill and a bare ask-sdk-core baseline (`bench.baseline`) side by side, interleaved
where it can be, and reports both with their ratio. `python -m bench` runs them all and writes
`bench/RESULTS.md`; this module holds the one record type they return and two small statistics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure: the skill's value, the baseline's, the target and whether it is met.

    `ratio` is value / baseline unless the module sets it otherwise (None when a ratio means
    nothing, such as a growth of zero); `met` is None when the figure has no target. `note` says in
    a sentence how it was measured, or why a target was missed and what would fix it.
    """

    key: str
    name: str
    unit: str
    value: float
    baseline: float | None
    target: str
    met: bool | None
    note: str = ""
    ratio: float | None = None
    baseline_name: str = "bare ask-sdk-core hello world"

    @property
    def shown_ratio(self) -> float | None:
        """The ratio to print: the module's own, else value / baseline when that is defined."""
        if self.ratio is not None:
            return self.ratio
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile of `samples` (nearest rank, so p99 of 1,000 is the 990th value)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    """The middle value of `samples` (the mean of the middle two for an even count)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
