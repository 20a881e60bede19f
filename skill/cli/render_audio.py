"""`gentle-back render-audio`: write the skill's chimes (and hold beds) as Alexa-ready MP3s.

Each sound is generated, hashed, and encoded only when its audio or the export settings changed
since the last run, or its file is missing or altered. `.manifest.json` in the output directory
records, per file, the hash of the generated audio and of the MP3 written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypedDict

from skill.config import ConfigError, Settings
from skill.limits import MAX_AUDIO_SECONDS

if TYPE_CHECKING:
    from skill.audio import AudioSegment

MANIFEST_NAME: Final = ".manifest.json"
MANIFEST_VERSION: Final = 1


class ManifestEntry(TypedDict):
    """What the manifest knows about one rendered file."""

    source_sha256: str
    sha256: str
    duration_ms: int


def _hold_bed_seconds(value: str) -> list[int]:
    seconds = []
    for part in value.split(","):
        text = part.strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_AUDIO_SECONDS:
            raise argparse.ArgumentTypeError(
                f"{text!r}: hold beds are whole seconds from 1 to {MAX_AUDIO_SECONDS:g} "
                "(Alexa plays at most that much audio in one response)"
            )
        seconds.append(int(text))
    return seconds


def configure(parser: argparse.ArgumentParser) -> None:
    """Add render-audio's options: the output directory and the hold beds to render."""
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="directory for the MP3s (default: GENTLE_BACK_AUDIO_DIR, else audio/)",
    )
    parser.add_argument(
        "--hold-beds",
        type=_hold_bed_seconds,
        default=[],
        metavar="SECONDS",
        help="also render breathing beds of these lengths, comma-separated (e.g. 30,60)",
    )


def _source_sha256(segment: AudioSegment, profile: str) -> str:
    digest = hashlib.sha256()
    layout = f"{profile}|{segment.frame_rate}|{segment.channels}|{segment.sample_width}|"
    digest.update(layout.encode())
    digest.update(segment.raw_data)
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_manifest(path: Path) -> dict[str, ManifestEntry]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError:
        print(f"{path}: unreadable manifest; rendering everything", file=sys.stderr)
        return {}
    if not isinstance(document, dict) or document.get("version") != MANIFEST_VERSION:
        return {}
    files = document.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        name: ManifestEntry(
            source_sha256=entry["source_sha256"],
            sha256=entry["sha256"],
            duration_ms=int(entry.get("duration_ms", 0)),
        )
        for name, entry in files.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("source_sha256"), str)
        and isinstance(entry.get("sha256"), str)
    }


def run(args: argparse.Namespace) -> int:
    """Render every sound not already up to date in the output directory; print what happened.
    Prints one line per file ("cached" or "rendered") and a summary such as "3 sounds: 0 rendered, 3
    from cache". Returns 0, or 2 when the settings are invalid.
    """
    from skill.audio import sounds
    from skill.audio.export import EXPORT_PROFILE, export_alexa_mp3, write_atomic

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"gentle-back render-audio: {exc}", file=sys.stderr)
        return 2
    out_dir: Path = args.out or settings.audio_dir
    names = [*sounds.SOUNDS, *(sounds.hold_bed_name(s) for s in dict.fromkeys(args.hold_beds))]
    manifest_path = out_dir / MANIFEST_NAME
    manifest = _load_manifest(manifest_path)

    rendered = 0
    for name in names:
        segment = sounds.sound(name)
        path = out_dir / f"{name}.mp3"
        source = _source_sha256(segment, EXPORT_PROFILE)
        entry = manifest.get(path.name)
        if (
            entry is not None
            and entry["source_sha256"] == source
            and path.is_file()
            and _file_sha256(path) == entry["sha256"]
        ):
            print(f"cached    {path}")
            continue
        export_alexa_mp3(segment, path)
        manifest[path.name] = ManifestEntry(
            source_sha256=source, sha256=_file_sha256(path), duration_ms=len(segment)
        )
        rendered += 1
        print(f"rendered  {path}  ({len(segment) / 1000:.1f} s)")

    if rendered or not manifest_path.is_file():
        document = {"version": MANIFEST_VERSION, "files": dict(sorted(manifest.items()))}
        write_atomic(manifest_path, (json.dumps(document, indent=2) + "\n").encode())
    print(f"{len(names)} sounds: {rendered} rendered, {len(names) - rendered} from cache")
    return 0
