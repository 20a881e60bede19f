"""`gentle-back simulate`: talk to the skill by typing, or replay a scripted conversation.

Interactive by default: each line is what you would say to Alexa, an empty line is silence, and
`:help` lists the commands. `--replay FILE` plays an `ask dialog` replay file (.json) and prints
the transcript, or a YAML dialog test (.yaml) and also checks its expectations.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skill.config import Settings
    from skill.sim import Conversation
    from skill.sim.session import PlaybackEvent, Turn

PLAYBACK_COMMANDS: dict[str, PlaybackEvent] = {
    "nearly": "nearly",
    "finish": "finish",
    "stop": "stop",
}

COMMANDS_HELP = """commands:
  (empty line)  stay silent: Alexa speaks the reprompt once, then ends the session
  :new          start over in a new session (say "open gentle back" next)
  :user NAME    talk as another user (a fresh session)
  :nearly :finish :stop   AudioPlayer events for what is playing
  :quit         leave (so does end of input)"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = COMMANDS_HELP
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--url",
        help="POST to a running web service instead of the in-process skill, e.g. "
        "http://127.0.0.1:8080/alexa from `gentle-back serve`. The simulator cannot sign "
        "requests as Alexa does, so that server must have request verification off: "
        "`serve` turns it off on loopback; elsewhere use --no-verify or "
        "GENTLE_BACK_VERIFY_REQUESTS=off (local development only)",
    )
    parser.add_argument("--locale", help="locale of the requests and model (default en-US)")
    parser.add_argument("--user", default="developer", help="who is talking (default: developer)")
    parser.add_argument("--ssml", action="store_true", help="show raw SSML instead of words")
    parser.add_argument("--json", action="store_true", help="show request/response envelopes")
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="play an `ask dialog` replay file (.json) or a YAML dialog test (.yaml, checked)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        metavar="JSON",
        help="interaction model to resolve against "
        "(default: skill-package/interactionModels/custom/<locale>.json)",
    )


def run(args: argparse.Namespace) -> int:
    from skill.config import ConfigError, Settings
    from skill.sim.dialogs import DialogError
    from skill.sim.session import SimulatorError

    try:
        settings = Settings.from_env()
        if args.replay is None:
            return _interactive(args, settings)
        if args.replay.suffix in (".yaml", ".yml"):
            return _check_dialog(args, settings)
        return _replay(args, settings)
    except (ConfigError, DialogError, SimulatorError, FileNotFoundError) as exc:
        print(f"gentle-back simulate: {exc}", file=sys.stderr)
        return 2


def _connect(
    args: argparse.Namespace, settings: Settings, *, user: str, locale: str, skill_id: str | None
) -> Conversation:
    from skill.sim import connect, pick_application_id

    app_id = pick_application_id(settings, skill_id)
    return connect(
        settings, user=user, locale=locale, url=args.url, model=args.model, application_id=app_id
    )


def _show(line: str, conversation: Conversation, args: argparse.Namespace) -> None:
    from skill.sim.render import render_turn

    print(f"you> {line}")
    print(render_turn(conversation.say(line), ssml=args.ssml, as_json=args.json))


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from skill.sim.dialogs import load_replay

    script = load_replay(args.replay)
    locale = args.locale or script.locale
    conversation = _connect(args, settings, user=args.user, locale=locale, skill_id=script.skill_id)
    for line in script.user_input:
        _show(line, conversation, args)
    return 0


def _check_dialog(args: argparse.Namespace, settings: Settings) -> int:
    from skill.persistence import build_store
    from skill.sim import connect
    from skill.sim.dialogs import load_dialog, run_dialog
    from skill.sim.render import render_turn

    dialog = load_dialog(args.replay)
    with tempfile.TemporaryDirectory(prefix="gentle-back-dialog-") as scratch:
        # A throwaway database, so the dialog's user is new every run.
        settings = replace(settings, store="sqlite", sqlite_path=Path(scratch) / "dialog.sqlite3")
        store = None if args.url else build_store(settings)
        try:
            conversation = connect(
                settings,
                user=dialog.user,
                locale=dialog.locale,
                url=args.url,
                model=args.model,
                store=store,
            )
            result = run_dialog(dialog, conversation, store)
        finally:
            if store is not None:
                store.close()
    for step, turn in zip(dialog.turns, result.turns, strict=True):
        print(f"you> {step.user}")
        print(render_turn(turn, ssml=args.ssml, as_json=args.json))
    for failure in result.failures:
        print(f"{args.replay}: {failure}", file=sys.stderr)
    print(f"{dialog.name}: {'FAILED' if result.failures else 'ok'}")
    return 1 if result.failures else 0


def _command(line: str, conversation: Conversation) -> Turn | str | None:
    """Run a `:command`: a turn or a message to show, or None when the user wants to leave."""
    name, _, rest = line[1:].partition(" ")
    if name == "quit":
        return None
    if name == "new":
        conversation.new_session()
        return '(new session: say "open gentle back" or "ask gentle back to ...")'
    if name == "user" and rest.strip():
        conversation.switch_user(rest.strip())
        return f"(now talking as {rest.strip()}, in a new session)"
    if name in PLAYBACK_COMMANDS:
        return conversation.playback(PLAYBACK_COMMANDS[name])
    return COMMANDS_HELP


def _interactive(args: argparse.Namespace, settings: Settings) -> int:
    from skill.sim.render import render_turn
    from skill.sim.session import SimulatorError

    locale = args.locale or "en-US"
    conversation = _connect(args, settings, user=args.user, locale=locale, skill_id=None)
    where = args.url or f"in-process skill, {settings.store} store"
    print(f"Talking to Gentle Back ({where}) as {args.user}, {locale}.")
    print('Say "open gentle back" to begin; an empty line is silence; :help for commands.')
    piped = not sys.stdin.isatty()
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print()
            return 0
        if piped:
            print(line)  # so a piped session reads as a transcript
        line = line.strip()
        try:
            shown = _command(line, conversation) if line.startswith(":") else conversation.say(line)
        except SimulatorError as exc:
            print(f"(error: {exc})", file=sys.stderr)
            continue
        except Exception:  # a skill bug must not end the developer's session; show it
            traceback.print_exc()
            continue
        if shown is None:
            return 0
        print(
            shown
            if isinstance(shown, str)
            else render_turn(shown, ssml=args.ssml, as_json=args.json)
        )
