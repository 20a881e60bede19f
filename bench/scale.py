"""Figure 4: scale. A 1,000-routine catalogue, and a serving worker's memory over 10,000 requests.

Catalogue: the shipped routines are copied, renamed and retitled into 1,000 routine files beside
the shipped pose library, and a fresh process times `load_catalogue` (parse, validate, cross-check)
and its peak resident memory above what the process held before; the baseline is a fresh process
that only runs `yaml.safe_load` on the same files and keeps the plain data. Memory: one gunicorn
worker (verification ON) takes 500 warm-up requests, then 10,000 more from 1,000 seeded users,
and its resident memory is read before and after; the baseline is the bare Flask worker under
the same load.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

import yaml

from bench import Figure, median
from bench.http_load import BARE_APP, SKILL_APP, Setup
from bench.loadgen import run_load
from bench.serving import ROOT, gunicorn
from skill.config import DEFAULT_SESSIONS_DIR

ROUTINES: Final = 1000
LOAD_TARGET_SECONDS: Final = 2.0
GROWTH_TARGET: Final = 0.10
USERS: Final = 1000
WARMUP_REQUESTS: Final = 500
REQUESTS: Final = 10_000
#: Bodies are re-signed every round so no timestamp gets older than Alexa's 150 s.
ROUND: Final = 2500
_CHILD: Final = """
import json, sys, time
from pathlib import Path
def memory(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
folder = Path(sys.argv[1])
import yaml
from skill.catalogue import load_catalogue
before = memory("VmRSS")
started = time.perf_counter()
if sys.argv[2] == "skill":
    count = len(load_catalogue(folder).routines)
else:
    routines = sorted(folder.glob("*.yaml"))
    kept = [yaml.safe_load(p.read_text()) for p in routines + sorted(folder.glob("poses/*.yaml"))]
    count = len(routines)
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
peak = memory("VmHWM") - before
print(json.dumps({"seconds": seconds, "peak": peak, "count": count}))
"""


def generate(folder: Path, routines: int = ROUTINES) -> None:
    """Write `routines` valid routine files, renamed copies of the shipped ones, plus the poses."""
    shutil.copytree(DEFAULT_SESSIONS_DIR / "poses", folder / "poses")
    templates = [
        yaml.safe_load(path.read_text()) for path in sorted(DEFAULT_SESSIONS_DIR.glob("*.yaml"))
    ]
    for number in range(routines):
        routine: dict[str, Any] = dict(templates[number % len(templates)])
        routine["id"] = f"generated-{number:04d}"
        routine["title"] = f"Generated routine {number}"
        routine["aliases"] = [f"generated stretches {number}"]
        (folder / f"{routine['id']}.yaml").write_text(yaml.safe_dump(routine, sort_keys=False))


def _child(folder: Path, kind: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), kind],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"catalogue process failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def catalogue_figures(quick: bool) -> list[Figure]:
    """Load the generated catalogue in fresh processes (3 each, alternating); medians."""
    runs = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        folder = Path(tmp)
        generate(folder)
        ours, bare = [], []
        for _ in range(runs):
            ours.append(_child(folder, "skill"))
            bare.append(_child(folder, "yaml"))
    if any(run["count"] != ROUTINES for run in ours):
        raise RuntimeError(f"the generated catalogue did not load {ROUTINES} routines")
    seconds = median([r["seconds"] for r in ours])
    met = seconds <= LOAD_TARGET_SECONDS
    how = f"{ROUTINES} routines + {len(list((DEFAULT_SESSIONS_DIR / 'poses').glob('*.yaml')))}"
    return [
        Figure(
            key="scale.catalogue_time",
            name=f"load and validate {ROUTINES} routines",
            unit="s",
            value=seconds,
            baseline=median([r["seconds"] for r in bare]),
            target=f"<= {LOAD_TARGET_SECONDS:g} s",
            met=met,
            note=f"{how} poses, median of {runs} fresh processes" + ("" if met else CATALOGUE_MISS),
            baseline_name="yaml.safe_load of the same files, data kept",
        ),
        Figure(
            key="scale.catalogue_memory",
            name=f"load and validate {ROUTINES} routines, peak memory",
            unit="MiB",
            value=median([r["peak"] for r in ours]) / 2**20,
            baseline=median([r["peak"] for r in bare]) / 2**20,
            target="(reported)",
            met=None,
            note="peak resident memory above the process's own before loading",
            baseline_name="yaml.safe_load of the same files, data kept",
        ),
    ]


def worker_rss(app: str, setup: Setup, requests: int) -> tuple[float, float]:
    """RSS in MiB of a lone worker after the warm-up and after `requests` more requests."""
    log = setup.folder / f"gunicorn-memory-{app.split(':')[1].strip('()')}.log"
    with gunicorn(app, setup.env, log, workers=1) as server:
        [worker] = server.workers()
        pool = setup.signed_pool(server.port, USERS)
        run_load(server.port, pool, connections=8, duration=120, limit=WARMUP_REQUESTS)
        before = server.rss_bytes(worker)
        for first in range(0, requests, ROUND):
            pool = setup.signed_pool(server.port, USERS)
            count = min(ROUND, requests - first)
            done = run_load(server.port, pool, connections=8, duration=120, limit=count)
            if done.error_count:
                raise RuntimeError(f"{app}: errors during the memory run: {dict(done.errors)}")
        if server.workers() != [worker]:
            raise RuntimeError(f"{app}: the worker was replaced during the run; see {log}")
        return before / 2**20, server.rss_bytes(worker) / 2**20


def memory_figures(quick: bool) -> list[Figure]:
    """Grow a skill worker and a bare worker by the same requests and compare."""
    requests = 2500 if quick else REQUESTS
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        setup = Setup.create(Path(tmp), USERS)
        ours = worker_rss(SKILL_APP, setup, requests)
        bare = worker_rss(BARE_APP, setup, requests)
    growth, bare_growth = ours[1] / ours[0] - 1, bare[1] / bare[0] - 1
    met = growth <= GROWTH_TARGET
    return [
        Figure(
            key="scale.worker_growth",
            name=f"worker memory growth over {requests:,} requests",
            unit="%",
            value=100 * growth,
            baseline=100 * bare_growth,
            target=f"<= {100 * GROWTH_TARGET:g}%",
            met=met,
            note=(
                f"one gunicorn worker, verification ON, {USERS} users; RSS "
                f"{ours[0]:.1f} -> {ours[1]:.1f} MiB (baseline {bare[0]:.1f} -> {bare[1]:.1f} MiB) "
                f"after {WARMUP_REQUESTS} warm-up requests" + ("" if met else GROWTH_MISS)
            ),
            ratio=ours[1] / bare[1],
            baseline_name="bare Flask worker (ratio: RSS after, skill / bare)",
        )
    ]


def run(quick: bool = False) -> list[Figure]:
    """Both scale figures."""
    return catalogue_figures(quick) + memory_figures(quick)


CATALOGUE_MISS = (
    "; missed: most of the time is YAML parsing with PyYAML's pure-Python loader (the baseline "
    "alone is close to the target). What would fix it: compose nodes with `yaml.CSafeLoader` "
    "(libyaml, which keeps line marks) when PyYAML has it, in `skill.yamlsource.read_yaml`; "
    "an experiment with that one change loaded the same 1,000 routines about 4x faster"
)
GROWTH_MISS = (
    "; missed: run the worker under tracemalloc and compare snapshots before and after to find "
    "what accumulates (an unbounded cache keyed by user or request is the usual cause)"
)
