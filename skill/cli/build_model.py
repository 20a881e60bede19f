"""`gentle-back build-model [--check]`: write skill-package/ from intents.yaml and the catalogue.

Writes `skill.json` and `interactionModels/custom/<locale>.json` with 2-space indents and a
trailing newline. `--check` writes nothing: it lists the files that differ from what would be
generated and exits 1 if any do, so CI catches a routine added without regenerating the model.
`--endpoint` puts a real Lambda ARN or HTTPS URL in skill.json for a deploy; the checked-in copy
keeps the placeholder (PUBLISHING.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skill.config import PROJECT_ROOT

DEFAULT_PACKAGE_DIR = PROJECT_ROOT / "skill-package"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files that are out of date",
    )
    parser.add_argument(
        "--endpoint",
        metavar="ARN_OR_URL",
        help="the skill's endpoint for a deploy: a Lambda ARN or an https:// URL "
        "(default: the checked-in placeholder)",
    )
    parser.add_argument(
        "--certificate",
        choices=["Trusted", "Wildcard", "SelfSigned"],
        default="Trusted",
        help="certificate type of an https:// endpoint (default: %(default)s)",
    )
    parser.add_argument(
        "--package-dir",
        type=Path,
        default=DEFAULT_PACKAGE_DIR,
        help="the skill package folder (default: %(default)s)",
    )


def render(data: dict[str, Any]) -> str:
    """The JSON text as checked in: 2-space indent, UTF-8 kept readable, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def generated_files(
    package_dir: Path, endpoint_uri: str | None = None, certificate: str = "Trusted"
) -> dict[Path, str]:
    """Every file the skill package should hold, path -> exact text."""
    from skill.catalogue import load_catalogue
    from skill.config import Settings
    from skill.model import (
        LOCALES,
        endpoint,
        interaction_model,
        load_voice_interface,
        skill_manifest,
    )

    voice = load_voice_interface()
    catalogue = load_catalogue(Settings.from_env().sessions_dir)
    manifest = skill_manifest(voice, catalogue, endpoint(endpoint_uri, certificate))
    files = {package_dir / "skill.json": render(manifest)}
    model_text = render(interaction_model(voice, catalogue))
    for locale in LOCALES:
        files[package_dir / "interactionModels" / "custom" / f"{locale}.json"] = model_text
    return files


def run(args: argparse.Namespace) -> int:
    from skill.catalogue import CatalogueError

    package_dir: Path = args.package_dir
    try:
        files = generated_files(package_dir, args.endpoint, args.certificate)
    except CatalogueError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("fix the content first: gentle-back validate", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"gentle-back build-model: {exc}", file=sys.stderr)
        return 2
    stale = [path for path, text in files.items() if _read(path) != text]
    if args.check:
        for path in stale:
            print(f"out of date: {_shown(path)}", file=sys.stderr)
        if stale:
            print("run: gentle-back build-model", file=sys.stderr)
            return 1
        print(f"ok: {len(files)} skill-package files are up to date")
        return 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {_shown(path)}")
    print(f"{len(files)} files, {len(stale)} changed")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
