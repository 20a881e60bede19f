"""`gentle-back preview ROUTINE -o FILE.mp3`: render a routine as one MP3, to hear its pacing.

The file is what a user would hear, turn after turn, with the chimes and each turn's prompt (see
`skill.audio.preview`), encoded by `export_alexa_mp3`: mono 24 kHz 48 kbps. That is plenty for
speech, and it reuses the one encoder the skill already checks frame by frame, so a preview is
also a sample of what Alexa's `<audio>` tag would accept. Sounds are always included (the preview
renders them locally; a skill deployed without `GENTLE_BACK_AUDIO_BASE_URL` plays none). A
progress bar is drawn on stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from skill.cli.loading import add_session_options, clock, load_session

if TYPE_CHECKING:
    from skill.audio.preview import Preview

TTS_BACKENDS: Final = ("espeak", "gtts")
#: Only the sound names matter to a preview, which renders every sound locally.
PREVIEW_AUDIO_BASE: Final = "https://preview.invalid/audio"
BAR_WIDTH: Final = 30
#: Redraw the bar at most this often, so a fast render does not flood the terminal.
BAR_INTERVAL_SECONDS: Final = 0.1


def configure(parser: argparse.ArgumentParser) -> None:
    """Add preview's options: routine, profile, pace, verbosity, speech backend and output."""
    add_session_options(parser)
    parser.add_argument(
        "--tts", choices=TTS_BACKENDS, help="speech backend (default: GENTLE_BACK_TTS, else espeak)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.mp3")


class ProgressBar:
    """A one-line text bar, redrawn in place: `[#####.....]  50%  3:46 / 7:32`."""

    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self._drawn_at = 0.0
        self._drawn = False

    def __call__(self, done: float, total: float) -> None:
        now = time.monotonic()
        if not self.interactive or (now - self._drawn_at < BAR_INTERVAL_SECONDS and done < total):
            return
        share = done / total if total > 0 else 1.0
        filled = round(BAR_WIDTH * share)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%}  {clock(done)} / {clock(total)}")
        self.stream.flush()
        self._drawn_at, self._drawn = now, True

    def close(self) -> None:
        """End the bar's line, if one was drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def summary(preview: Preview, hits: int, misses: int, output: Path) -> list[str]:
    """The closing report: durations, holds on time, speech cache use, where the file went."""
    holds = preview.holds
    on_time = sum(1 for hold in holds if hold.within())
    change = preview.rendered_seconds / preview.planned_seconds - 1
    lines = [
        f"planned duration:  {clock(preview.planned_seconds)} ({preview.planned_seconds:.1f} s)",
        f"rendered duration: {clock(preview.rendered_seconds)} ({preview.rendered_seconds:.1f} s,"
        f" {change:+.1%})",
        f"holds within 2%:   {on_time}/{len(holds)}",
    ]
    for hold in holds:
        if not hold.within():
            where = ", ".join(
                f"{name} {value + 1}"
                for name, value in zip(("step", "side", "rep"), hold.hold, strict=True)
                if value is not None
            )
            lines.append(
                f"  {where}: speech overran the hold,"
                f" {hold.rendered_seconds:.1f} s for {hold.planned_seconds:.1f} s planned"
            )
    lines += [f"TTS cache:         {hits} hits, {misses} misses", f"wrote {output}"]
    return lines


def run(args: argparse.Namespace) -> int:
    """Render the routine and write the MP3; print the summary. Exit 0; 1 when the catalogue or
    speech fails; 2 for an unknown routine (the routine ids are listed) or invalid settings.
    """
    from skill.audio.export import export_alexa_mp3
    from skill.audio.preview import render_preview
    from skill.audio.tts import TtsError, make_tts
    from skill.config import ConfigError, Settings
    from skill.timing import pace_named

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"gentle-back preview: {exc}", file=sys.stderr)
        return 2
    if args.tts is not None:
        settings = replace(settings, tts_backend=args.tts)
    session = load_session(settings.sessions_dir, args, PREVIEW_AUDIO_BASE)
    if isinstance(session, int):
        return session
    tts = make_tts(settings, rate_percent=pace_named(args.pace).rate_percent)
    bar = ProgressBar(sys.stderr, interactive=sys.stderr.isatty())
    try:
        preview = render_preview(session, tts, progress=bar)
    except TtsError as exc:
        bar.close()
        print(f"gentle-back preview: {exc}", file=sys.stderr)
        return 1
    bar.close()
    export_alexa_mp3(preview.segment, args.output)
    print("\n".join(summary(preview, tts.hits, tts.misses, args.output)))
    return 0
