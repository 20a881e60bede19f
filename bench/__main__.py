"""`python -m bench [--quick] [--only NAME ...] [--output FILE]`: run the benchmarks, print a table.

A full run (what `make bench` does) measures every figure and writes `bench/RESULTS.md`. `--quick`
shortens every run for a smoke test and `--only` picks benchmarks by name; neither writes
RESULTS.md unless `--output` names a file, so quick numbers never replace the committed ones. A
benchmark that fails is reported and the others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import Figure, cold_start, http_load, preview, scale, turn_latency
from bench.report import console, machine, markdown
from bench.serving import ROOT

BENCHMARKS: dict[str, Callable[[bool], list[Figure]]] = {
    "turn": turn_latency.run,
    "http": http_load.run,
    "cold": cold_start.run,
    "scale": scale.run,
    "preview": preview.run,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
INTRO = (
    "Written by `make bench` (`.venv/bin/python -m bench`); see `bench/README.md` for what each "
    "figure means. Every figure is measured against a baseline in the same run on the same "
    "machine, and the ratio is the number to compare between machines."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=None)
    parser.add_argument("--output", type=Path, default=None, help="where to write the results")
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    output: Path | None = args.output
    if output is None and not args.quick and args.only is None:
        output = RESULTS
    about = machine(ROOT)
    started = time.monotonic()
    figures: list[Figure] = []
    failed: list[str] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            figures += BENCHMARKS[name](args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    seconds = time.monotonic() - started
    print(console(figures))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    if output is not None and figures:
        intro = INTRO + (" This was a `--quick` run." if args.quick else "")
        if failed:
            intro += f" Not measured (the benchmark failed): {', '.join(failed)}."
        output.write_text(markdown(figures, about, intro, seconds))
        print(f"wrote {output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
