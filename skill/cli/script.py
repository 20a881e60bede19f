"""`gentle-back script ROUTINE`: print the spoken turns of a routine, to read its pacing."""

from __future__ import annotations

import argparse

PACES = ("slow", "normal", "brisk")
PROFILES = ("disc", "stenosis", "unsure")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("routine", metavar="ROUTINE", help="the routine id")
    parser.add_argument("--profile", choices=PROFILES, default="unsure")
    parser.add_argument("--pace", choices=PACES, default="normal")
    parser.add_argument("--brief", action="store_true", help="brief verbosity (default: full)")
    parser.add_argument("--ssml", action="store_true", help="print raw SSML, not plain words")
    parser.add_argument("--audio-base-url", metavar="URL", help="add the chimes, served from URL")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def run(args: argparse.Namespace) -> int:
    from skill.cli.loading import known_routine, load_or_report
    from skill.config import Settings
    from skill.turns import build_session

    settings = Settings.from_env()
    catalogue = load_or_report(settings.sessions_dir)
    if catalogue is None:
        return 1
    if not known_routine(catalogue, args.routine):
        return 2
    session = build_session(
        catalogue,
        args.routine,
        profile=args.profile,
        pace=args.pace,
        verbosity="brief" if args.brief else "full",
        audio_base_url=args.audio_base_url,
    )
    for turn in session.turns:
        ssml = turn.ssml
        print(
            f"--- turn {turn.index + 1} · {turn.kind} · {_clock(turn.planned_seconds)}"
            f" · {len(ssml)} chars"
        )
        print(ssml if args.ssml else turn.text)
        print()
    print(
        f"total: {len(session.turns)} turns, {_clock(session.planned_seconds)}"
        f" ({args.routine}, {args.profile}, {args.pace}, {'brief' if args.brief else 'full'})"
    )
    return 0
