"""What several commands share: loading the catalogue, naming a routine, building its session.

Module level stays light (only `skill.choices`): every command module is imported when the
parser is built, so the catalogue and engine are imported inside the functions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from skill.choices import PACES, PROFILES

if TYPE_CHECKING:
    from skill.catalogue import Catalogue
    from skill.turns import Session
    from skill.yamlsource import Problem


def clock(seconds: float) -> str:
    """`452.3` -> `7:32`: minutes and seconds, rounded to the nearest second."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def report_problems(problems: Sequence[Problem], *, count: bool = False) -> None:
    """Every problem on stderr as `file:line: field: message`, with a total when `count`."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if count:
        total = len(problems)
        print(f"{total} problem{'s' if total != 1 else ''} found", file=sys.stderr)


def load_or_report(sessions_dir: Path, *, count: bool = False) -> Catalogue | None:
    """The catalogue, or None after every problem has been printed."""
    from skill.catalogue import CatalogueError, load_catalogue

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


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """ROUTINE, --profile, --pace and --brief: what picks one session of one routine."""
    parser.add_argument("routine", metavar="ROUTINE", help="the routine id")
    parser.add_argument("--profile", choices=PROFILES, default="unsure")
    parser.add_argument("--pace", choices=PACES, default="normal")
    parser.add_argument("--brief", action="store_true", help="brief verbosity (default: full)")


def verbosity(args: argparse.Namespace) -> str:
    return "brief" if args.brief else "full"


def load_session(
    sessions_dir: Path, args: argparse.Namespace, audio_base_url: str | None
) -> Session | int:
    """The session the options ask for, or the exit status after saying why there is none:
    1 when the catalogue has problems, 2 for an unknown routine."""
    from skill.turns import build_session

    catalogue = load_or_report(sessions_dir)
    if catalogue is None:
        return 1
    if not known_routine(catalogue, args.routine):
        return 2
    return build_session(
        catalogue,
        args.routine,
        profile=args.profile,
        pace=args.pace,
        verbosity=verbosity(args),
        audio_base_url=audio_base_url,
    )
