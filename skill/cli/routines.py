"""`gentle-back routines`: each routine with its length and what every profile is offered.

The length is the validator's estimate at normal pace (`catalogue.estimate_seconds` on the plan
for each profile), shown as the shortest to the longest across profiles, or once when every
profile gets the same length. The verdict per profile counts the steps that profile is offered,
how many of them are a modified variant, and how many steps are left out for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from skill.catalogue import Catalogue, estimate_seconds
from skill.choices import PROFILES
from skill.cli.loading import clock, load_or_report
from skill.config import Settings
from skill.plan import plan_steps
from skill.schema import Pose, Routine

DURATION_HEADER = "normal pace"
COLUMN_GAP = "  "


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        f"'{DURATION_HEADER}' is the estimated length at normal pace, from the profile with the "
        "shortest plan to the one with the longest. Each profile column counts the poses that "
        "profile is offered, how many are a modified variant, and how many are left out."
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def profile_verdict(routine: Routine, library: Mapping[str, Pose], profile: str) -> str:
    """What `profile` is offered, e.g. `6 poses, 2 modified, 1 left out` (zero counts omitted)."""
    plan = plan_steps(routine, library, profile)
    parts = [_plural(len(plan), "pose")]
    modified = sum(1 for step in plan if step.modified)
    left_out = len(routine.steps) - len(plan)
    if modified:
        parts.append(f"{modified} modified")
    if left_out:
        parts.append(f"{left_out} left out")
    return ", ".join(parts)


def duration_range(routine: Routine, library: Mapping[str, Pose]) -> str:
    """The estimated length at normal pace, shortest to longest across profiles."""
    seconds = [
        estimate_seconds(routine, plan_steps(routine, library, profile)) for profile in PROFILES
    ]
    shortest, longest = clock(min(seconds)), clock(max(seconds))
    return shortest if shortest == longest else f"{shortest}-{longest}"


def table_rows(catalogue: Catalogue) -> list[tuple[str, ...]]:
    """The header and one row per routine, ordered by title."""
    rows: list[tuple[str, ...]] = [("id", "title", DURATION_HEADER, *PROFILES)]
    for routine in catalogue.ordered():
        rows.append(
            (
                routine.id,
                routine.title,
                duration_range(routine, catalogue.poses),
                *(profile_verdict(routine, catalogue.poses, p) for p in PROFILES),
            )
        )
    return rows


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart, no trailing spaces."""
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    lines = [
        COLUMN_GAP.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    catalogue = load_or_report(settings.sessions_dir, count=True)
    if catalogue is None:
        return 1
    print(format_table(table_rows(catalogue)))
    return 0
