"""`gentle-back validate [PATH...]`: check content files, print every problem, exit 1 on any."""

from __future__ import annotations

import argparse
from pathlib import Path

from skill.catalogue import CatalogueError, load_catalogue
from skill.cli.loading import report_problems
from skill.config import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a sessions folder, or routine files checked against the pose library "
        "(default: the configured sessions folder)",
    )


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    paths: list[Path] = args.paths
    try:
        if not paths:
            catalogue = load_catalogue(settings.sessions_dir)
        elif len(paths) == 1 and paths[0].is_dir():
            catalogue = load_catalogue(paths[0])
        else:
            catalogue = load_catalogue(
                settings.sessions_dir, routine_files=paths, pose_dir=settings.sessions_dir / "poses"
            )
    except CatalogueError as exc:
        report_problems(exc.problems, count=True)
        return 1
    routines, poses = len(catalogue.routines), len(catalogue.poses)
    print(f"ok: {routines} routine{'s' if routines != 1 else ''}, {poses} poses")
    return 0
