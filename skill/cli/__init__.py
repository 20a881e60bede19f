"""The `gentle-back` command line: one module per subcommand, loaded only when used."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand name -> (module under skill.cli, one-line help). Modules expose
#: `configure(parser)` to add their arguments and `run(args) -> int` to do the work.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "check every routine and pose file; print file:line: field: message"),
    "routines": ("routines", "list the routines with duration and verdict per profile"),
    "script": ("script", "print the spoken turns of a routine"),
    "serve": ("serve", "run the skill as a local web service on SQLite"),
    "simulate": ("simulate", "talk to the skill by typing, without an Echo"),
    "build-model": ("build_model", "generate skill-package interaction models from the catalogue"),
    "bundle": ("bundle", "build the AWS Lambda zip"),
    "preview": ("preview", "render a routine to an MP3 to hear its pacing"),
    "render-audio": ("render_audio", "render the skill's chimes and sounds into audio/"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gentle-back", description="Gentle Back: guided stretches for Alexa."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(f"skill.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"skill.cli.{module_name}":
                raise
            command.set_defaults(_missing=True)
            continue
        module.configure(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "_missing", False):
        print(f"gentle-back {args.command}: not available in this build", file=sys.stderr)
        return 2
    module = importlib.import_module(f"skill.cli.{args._module}")
    result: int = module.run(args)
    return result
