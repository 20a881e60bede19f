"""Render figures as a console table and as `bench/RESULTS.md`, with the machine they ran on.

The machine section records what makes numbers comparable or not: CPU model and count, memory,
Python and the main packages' versions, the commit, the load average when the run started (a
noisy neighbour shows there), and the date. Every figure row carries its baseline and ratio; the
notes under the table say how each was measured and, for a missed target, why and what would fix
it.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import Figure

PACKAGES = ("ask-sdk-core", "flask", "gunicorn", "cryptography", "pydantic", "PyYAML")
_DECIMALS = {"ms": 2, "req/s": 0, "%": 1, "s": 2, "MiB": 1, "count": 0}


def machine(root: Path) -> dict[str, str]:
    """What the figures were measured on, as label -> value."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    kib = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{kib / 2**20:.1f} GiB" if kib else "unknown",
        "system": platform.platform(),
        "Python": platform.python_version(),
        "packages": versions,
        "commit": _commit(root),
        "load average at start (1, 5, 15 min)": load,
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _commit(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def number(value: float | None, unit: str) -> str:
    """A value rounded for its unit, or n/a."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{_DECIMALS.get(unit, 2)}f}"


def verdict(figure: Figure) -> str:
    """met / MISSED / - for a figure without a target."""
    return "-" if figure.met is None else ("met" if figure.met else "MISSED")


def rows(figures: list[Figure]) -> list[list[str]]:
    """Header plus one row per figure: name, value, baseline, ratio, target, verdict."""
    table = [["figure", "value", "baseline", "ratio", "target", "met"]]
    for figure in figures:
        ratio = figure.shown_ratio
        table.append(
            [
                figure.name,
                f"{number(figure.value, figure.unit)} {figure.unit}",
                f"{number(figure.baseline, figure.unit)} {figure.unit}",
                "n/a" if ratio is None or math.isnan(ratio) else f"{ratio:.2f}x",
                figure.target,
                verdict(figure),
            ]
        )
    return table


def console(figures: list[Figure]) -> str:
    """The table as fixed-width text for the terminal."""
    table = rows(figures)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(figures: list[Figure], about: dict[str, str], intro: str, seconds: float) -> str:
    """The whole RESULTS.md."""
    out = ["# Benchmark results", "", intro, "", "## Machine", ""]
    out += [f"- {label}: {value}" for label, value in about.items()]
    out += [f"- benchmark run time: {seconds:.0f} s", "", "## Figures", ""]
    table = rows(figures)
    out.append("| " + " | ".join(table[0]) + " |")
    out.append("|" + "---|" * len(table[0]))
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]]
    out += ["", "Baselines:", ""]
    out += [f"- {f.name}: {f.baseline_name}" for f in figures]
    out += ["", "## Notes", ""]
    out += [f"- **{f.name}** ({verdict(f)}): {f.note}" for f in figures if f.note]
    missed = [f for f in figures if f.met is False]
    out += ["", "## Targets missed", ""]
    out += [f"- {f.name}: see its note above." for f in missed] or ["- none"]
    return "\n".join(out) + "\n"
