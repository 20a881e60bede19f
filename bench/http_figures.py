"""Turn two HTTP runs (the skill's and the bare baseline's) into figures, with the CPU arithmetic.

Both the client and the two gunicorn workers share the machine's cores, so the figures include
where the CPU went: worker CPU per request (the server's cost) and client CPU per request (the
measuring tool's cost, and its share of all the CPU used). When a target is missed, the note
works out the ceiling those costs allow, so the reader can tell the skill's cost from the rig's.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Final

from bench import Figure, percentile
from bench.loadgen import LoadResult

RPS_TARGET: Final = 800.0
P99_TARGET_MS: Final = 50.0
RATIO_TARGET: Final = 0.5
BASELINE: Final = "bare Flask + hello world, same gunicorn"


@dataclass(frozen=True)
class Measured:
    """One server's run: the client's result and the workers' CPU seconds over the whole run."""

    load: LoadResult
    server_cpu_seconds: float
    #: The same server at the target rate, paced (open loop).
    paced: LoadResult
    #: Client connections held by each worker, sampled mid-run.
    split: list[int]

    @property
    def server_ms(self) -> float:
        """Worker CPU per exchange, in ms."""
        return 1000 * self.server_cpu_seconds / max(1, self.load.exchanges)

    @property
    def client_ms(self) -> float:
        """Client CPU per exchange, in ms."""
        return 1000 * self.load.client_cpu_seconds / max(1, self.load.exchanges)

    def latency(self, fraction: float, *, paced: bool = False) -> float:
        """A latency quantile in ms, or NaN when nothing was answered."""
        samples = (self.paced if paced else self.load).latencies_ms
        return percentile(samples, fraction) if samples else math.nan


def figures(ours: Measured, bare: Measured) -> list[Figure]:
    """The HTTP figures: throughput, p50, p99 (flat out and paced), errors, CPU per request."""
    rps, rps_bare = ours.load.per_second, bare.load.per_second
    ratio = rps / rps_bare if rps_bare else 0.0
    rps_met = rps >= RPS_TARGET and ratio >= RATIO_TARGET
    p99 = ours.latency(0.99)
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / (ours.server_ms + ours.client_ms)
    cpu = (
        f"{ours.server_ms:.2f} ms of worker CPU and {ours.client_ms:.2f} ms of client CPU per "
        f"request on {cores} shared cores allow about {ceiling:.0f} req/s"
    )
    return [
        Figure(
            key="http.rps",
            name="HTTP requests per second (2 workers, verify ON, 32 clients)",
            unit="req/s",
            value=rps,
            baseline=rps_bare,
            target=f">= {RPS_TARGET:g} req/s and >= {RATIO_TARGET:g}x baseline",
            met=rps_met,
            note=f"{ours.load.answered} answered in {ours.load.seconds:.1f} s"
            + ("" if rps_met else f"; missed: CPU-bound, {cpu}; {RPS_FIX}"),
            baseline_name=BASELINE,
        ),
        _latency(ours, bare, "http.p50", "HTTP latency p50", 0.5, paced=False),
        Figure(
            key="http.p99",
            name="HTTP latency p99",
            unit="ms",
            value=p99,
            baseline=bare.latency(0.99),
            target=f"<= {P99_TARGET_MS:g} ms",
            met=p99 <= P99_TARGET_MS,
            note=f"connections per worker mid-run: {ours.split} (baseline {bare.split})"
            + ("" if p99 <= P99_TARGET_MS else "; " + _p99_miss(ours, rps)),
            baseline_name=BASELINE,
        ),
        _latency(
            ours,
            bare,
            "http.p99_paced",
            f"HTTP latency p99 at a paced {RPS_TARGET:g} req/s",
            0.99,
            paced=True,
        ),
        Figure(
            key="http.errors",
            name="HTTP errors (non-200 or socket)",
            unit="count",
            value=ours.load.error_count + ours.paced.error_count,
            baseline=bare.load.error_count + bare.paced.error_count,
            target="0",
            met=ours.load.error_count + ours.paced.error_count == 0,
            note=", ".join(
                f"{k}: {n}" for k, n in sorted((ours.load.errors + ours.paced.errors).items())
            ),
            ratio=math.nan,
            baseline_name=BASELINE,
        ),
        Figure(
            key="http.server_cpu",
            name="HTTP worker CPU per request",
            unit="ms",
            value=ours.server_ms,
            baseline=bare.server_ms,
            target="(diagnostic)",
            met=None,
            note=f"both workers' user + system CPU / requests in the flat-out run; {cpu}",
            baseline_name=BASELINE,
        ),
        Figure(
            key="http.client_cpu",
            name="load client CPU per request",
            unit="ms",
            value=ours.client_ms,
            baseline=bare.client_ms,
            target="(client overhead)",
            met=None,
            note=(
                f"the client used {_share(ours):.0%} of all CPU in the skill run and "
                f"{_share(bare):.0%} in the baseline run, and drove the baseline at "
                f"{rps_bare:.0f} req/s, {rps_bare / max(rps, 1):.1f}x the skill's rate: "
                "it is not what limits the skill's figure"
            ),
            baseline_name="same client, baseline run",
        ),
    ]


def _latency(
    ours: Measured, bare: Measured, key: str, name: str, q: float, *, paced: bool
) -> Figure:
    run = ours.paced if paced else ours.load
    note = (
        f"open loop: {run.answered} requests due at an even {RPS_TARGET:g}/s over "
        f"{run.seconds:.0f} s, latency counted from when each was due"
        if paced
        else ""
    )
    if paced and ours.load.per_second < RPS_TARGET:
        note += (
            f"; the skill's flat-out rate ({ours.load.per_second:.0f} req/s) is below the offered "
            "rate, so the queue, and with it the latency, grows for the whole run"
        )
    return Figure(
        key=key,
        name=name,
        unit="ms",
        value=ours.latency(q, paced=paced),
        baseline=bare.latency(q, paced=paced),
        target="(diagnostic)" if paced else "(none)",
        met=None,
        note=note,
        baseline_name=BASELINE,
    )


def _share(run: Measured) -> float:
    return run.client_ms / (run.server_ms + run.client_ms)


def _p99_miss(ours: Measured, rps: float) -> str:
    mean = sum(ours.load.latencies_ms) / max(1, ours.load.answered)
    return (
        f"missed: 32 clients that each send as soon as answered keep the server saturated, so "
        f"by Little's law the mean latency is 32 / {rps:.0f} req/s = {1000 * 32 / max(rps, 1):.0f} "
        f"ms (measured {mean:.0f} ms) and the p99 is queueing on top of that (GIL and 4 "
        "threads per worker, uneven connections per worker); the paced p99 below shows latency "
        "when the server is not saturated. What would fix it: more throughput (cores, less "
        "worker CPU per request) or fewer concurrent clients per core"
    )


RPS_FIX = (
    "what would fix it: fewer CPU-ms per request in the worker (compare worker CPU per request "
    "with the baseline's; the in-process turn's note names the skill's hottest functions, "
    "which every HTTP request pays too) or more cores"
)
