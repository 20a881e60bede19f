"""`gentle-back script ROUTINE`: print the spoken turns of a routine, to read its pacing."""

from __future__ import annotations

import argparse

from skill.cli.loading import add_session_options, clock, load_session, verbosity


def configure(parser: argparse.ArgumentParser) -> None:
    add_session_options(parser)
    parser.add_argument("--ssml", action="store_true", help="print raw SSML, not plain words")
    parser.add_argument("--audio-base-url", metavar="URL", help="add the chimes, served from URL")


def run(args: argparse.Namespace) -> int:
    from skill.config import Settings

    session = load_session(Settings.from_env().sessions_dir, args, args.audio_base_url)
    if isinstance(session, int):
        return session
    for turn in session.turns:
        ssml = turn.ssml
        print(
            f"--- turn {turn.index + 1} · {turn.kind} · {clock(turn.planned_seconds)}"
            f" · {len(ssml)} chars"
        )
        print(ssml if args.ssml else turn.text)
        print()
    print(
        f"total: {len(session.turns)} turns, {clock(session.planned_seconds)}"
        f" ({args.routine}, {args.profile}, {args.pace}, {verbosity(args)})"
    )
    return 0
