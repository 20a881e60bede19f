"""What several commands share: loading the catalogue and naming a routine, reporting problems."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from skill.catalogue import Catalogue, CatalogueError, load_catalogue
from skill.yamlsource import Problem


def report_problems(problems: Sequence[Problem], *, count: bool = False) -> None:
    """Every problem on stderr as `file:line: field: message`, with a total when `count`."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if count:
        total = len(problems)
        print(f"{total} problem{'s' if total != 1 else ''} found", file=sys.stderr)


def load_or_report(sessions_dir: Path, *, count: bool = False) -> Catalogue | None:
    """The catalogue, or None after every problem has been printed."""
    try:
        return load_catalogue(sessions_dir)
    except CatalogueError as exc:
        report_problems(exc.problems, count=count)
        return None


def known_routine(catalogue: Catalogue, routine_id: str) -> bool:
    """Whether the routine exists; when not, the known ids are printed."""
    if routine_id in catalogue.routines:
        return True
    known = ", ".join(sorted(catalogue.routines)) or "(none)"
    print(f"unknown routine {routine_id!r}; the routines are: {known}", file=sys.stderr)
    return False
