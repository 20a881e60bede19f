"""Figure 5: rendering a routine preview, a 60-minute routine against a 10-minute one.

Two synthetic routines of long holds from the shipped pose library are written to a temporary
sessions folder: the 10-minute one is a fixed pattern of poses, the 60-minute one the same pattern
six times over, so the long render should cost about six short ones and no more (a quadratic
join would show here). The 10-minute routine loads through `load_catalogue` with every content
rule; the content rules cap a routine at 30 minutes, so the hour-long one is validated as a
`Routine` model only. Speech is espeak-ng through a fresh on-disk cache, warmed by one untimed
render of each; the renders (`render_preview`, prompts and sounds included, no MP3 export) then
alternate, and each figure is the median of 3.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import yaml

from bench import Figure, median
from skill.audio.preview import render_preview
from skill.audio.tts import CachedTts, make_tts
from skill.catalogue import Catalogue, load_catalogue
from skill.config import DEFAULT_SESSIONS_DIR, Settings
from skill.schema import Routine
from skill.turns import Session, build_session

SAMPLES: Final = 3
SCALING_TARGET: Final = 6.5
REALTIME_TARGET: Final = 100.0
REPEATS: Final = 6
PROFILE: Final = "unsure"
#: About ten minutes at normal pace: natural and guided breathing, one pose on both sides.
PATTERN: Final[list[dict[str, Any]]] = [
    {"pose": "constructive-rest", "hold": "90s"},
    {"pose": "slow-breathing", "hold": "2m"},
    {"pose": "figure-four-on-wall", "hold": "30s", "reps": 1},
    {"pose": "legs-up-the-wall-bent-knees", "hold": "2m"},
]


def routine_document(routine_id: str, repeats: int) -> dict[str, Any]:
    """A routine of `PATTERN` repeated `repeats` times, as its YAML document."""
    return {
        "id": routine_id,
        "title": f"Benchmark {routine_id}",
        "summary": "A synthetic routine of long holds for the preview benchmark.",
        "suits": "Benchmarks only.",
        "intro": ["A long, quiet routine of held stretches. Move only as far as is comfortable."],
        "steps": PATTERN * repeats,
        "closing": ["That's the end. Take your time getting up."],
    }


def write_catalogue(folder: Path) -> Catalogue:
    """Write the two routines and the pose library under `folder` and load them."""
    shutil.copytree(DEFAULT_SESSIONS_DIR / "poses", folder / "poses")
    paths = {}
    for routine_id, repeats in (("ten-minutes", 1), ("sixty-minutes", REPEATS)):
        paths[routine_id] = folder / f"{routine_id}.yaml"
        document = routine_document(routine_id, repeats)
        paths[routine_id].write_text(yaml.safe_dump(document, sort_keys=False))
    short = load_catalogue(folder, routine_files=[paths["ten-minutes"]], base=folder)
    hour = Routine.model_validate(yaml.safe_load(paths["sixty-minutes"].read_text()))
    return Catalogue(poses=short.poses, routines={**short.routines, hour.id: hour})


def timed_render(session: Session, tts: CachedTts) -> float:
    """Seconds to render `session` once."""
    started = time.perf_counter()
    render_preview(session, tts)
    return time.perf_counter() - started


def run(quick: bool = False) -> list[Figure]:
    """Warm the speech cache, then time alternating renders of both routines."""
    samples = 1 if quick else SAMPLES
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        catalogue = write_catalogue(Path(tmp) / "sessions")
        tts = make_tts(Settings(tts_backend="espeak", tts_cache_dir=Path(tmp) / "tts-cache"))
        base = "https://bench.invalid/audio"
        short, hour = (
            build_session(catalogue, routine_id, profile=PROFILE, audio_base_url=base)
            for routine_id in ("ten-minutes", "sixty-minutes")
        )
        warm = [render_preview(short, tts), render_preview(hour, tts)]
        misses = tts.misses
        short_times: list[float] = []
        hour_times: list[float] = []
        for _ in range(samples):
            short_times.append(timed_render(short, tts))
            hour_times.append(timed_render(hour, tts))
        if tts.misses != misses:
            raise RuntimeError("the speech cache was not warm: timed renders ran espeak-ng")
    short_seconds, hour_seconds = median(short_times), median(hour_times)
    short_plan, hour_plan = warm[0].planned_seconds, warm[1].planned_seconds
    hour_audio = warm[1].rendered_seconds
    scaling = hour_seconds / short_seconds
    speed = hour_audio / hour_seconds
    how = f"median of {samples}, alternating, warm espeak-ng cache ({misses} phrases)"
    return [
        Figure(
            key="preview.scaling",
            name="render a 60-minute routine preview",
            unit="s",
            value=hour_seconds,
            baseline=short_seconds,
            target=f"<= {SCALING_TARGET:g}x baseline",
            met=scaling <= SCALING_TARGET,
            note=(
                f"{how}; planned {hour_plan / 60:.1f} min against {short_plan / 60:.1f} min "
                f"({hour_plan / short_plan:.2f}x as long)"
            ),
            baseline_name="the same render of a 10-minute routine",
        ),
        Figure(
            key="preview.realtime",
            name="render a 60-minute routine preview, speed",
            unit="x real time",
            value=speed,
            baseline=1.0,
            target=f">= {REALTIME_TARGET:g}x baseline",
            met=speed >= REALTIME_TARGET,
            note=f"{how}; {hour_audio / 60:.1f} min of audio in {hour_seconds:.2f} s",
            baseline_name="real time: one second of audio per second",
        ),
    ]
