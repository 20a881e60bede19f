"""The skill's sounds, generated from sine tones: no downloaded assets, nothing to license.

Chimes are soft bell notes (a gentle attack, then a decay) peaking at -12 dBFS, so they sit
below speech. Hold beds are quieter still: a low swell that rises over each inhale and falls over
each exhale, to pace breathing through a held stretch. Every sound is mono 16-bit at the rate we
export at, so export does not resample.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from typing import Final

from pydub.generators import Sine

from skill.audio import AudioSegment
from skill.audio.export import ALEXA_SAMPLE_RATE_HZ

#: Peak level of the chimes: clearly audible, well under speech.
CHIME_PEAK_DBFS: Final = -12.0
#: Peak level of a hold bed: background, never competing with a cue.
HOLD_BED_PEAK_DBFS: Final = -24.0

# A bell partial: (frequency ratio to the note, level in dB, share of the note it rings for).
_Partial = tuple[float, float, float]
_SOFT_BELL: Final[Sequence[_Partial]] = ((1.0, 0.0, 1.0), (2.0, -14.0, 0.5), (3.0, -24.0, 0.3))
# A singing bowl: inharmonic partials and a slightly detuned twin that beats about once a second.
_BOWL: Final[Sequence[_Partial]] = (
    (1.0, 0.0, 1.0),
    (1.004, -3.0, 1.0),
    (2.76, -12.0, 0.55),
    (5.40, -22.0, 0.3),
)
# The hold bed's swell: a low open fifth (G3 + D4). Whole-number frequencies repeat exactly
# every second, so one second of tone loops without a click.
_BED_TONES_HZ: Final = ((196, 0.0), (294, -6.0))
# Longest fade at the end of a hold bed cut mid-breath, so it never stops with a click.
_BED_TAIL_FADE_MS: Final = 500
# Tones are generated this far below full scale so that summing partials can never clip (which
# would add a harsh broadband crackle); each sound is brought to its peak level afterwards.
_MIX_HEADROOM_DB: Final = -20.0


def tone(freq_hz: float, duration_ms: int, level_db: float = 0.0) -> AudioSegment:
    """A plain sine tone at the export rate, `level_db` below full scale (0 dBFS is the max)."""
    sine = Sine(freq_hz, sample_rate=ALEXA_SAMPLE_RATE_HZ, bit_depth=16)
    return sine.to_audio_segment(duration=duration_ms, volume=level_db)


def _tone(freq_hz: float, duration_ms: int, level_db: float = 0.0) -> AudioSegment:
    return tone(freq_hz, duration_ms, _MIX_HEADROOM_DB + level_db)


def _ring_out(tone: AudioSegment, attack_ms: int) -> AudioSegment:
    """Shape a tone like a struck bell: a short fade in, then a roughly exponential decay."""
    body_ms = len(tone) - attack_ms
    knee1 = attack_ms + body_ms * 25 // 100
    knee2 = attack_ms + body_ms * 60 // 100
    shaped = tone.fade_in(attack_ms)
    shaped = shaped.fade(from_gain=0, to_gain=-10, start=attack_ms, end=knee1)
    shaped = shaped.fade(from_gain=0, to_gain=-12, start=knee1, end=knee2)
    return shaped.fade_out(len(shaped) - knee2)


def _bell_note(
    freq_hz: float, duration_ms: int, partials: Sequence[_Partial], attack_ms: int
) -> AudioSegment:
    note = AudioSegment.silent(duration=duration_ms, frame_rate=ALEXA_SAMPLE_RATE_HZ)
    for ratio, level_db, share in partials:
        ring_ms = int(duration_ms * share)
        note = note.overlay(_ring_out(_tone(freq_hz * ratio, ring_ms, level_db), attack_ms))
    return note


def _notes(duration_ms: int, placed: Sequence[tuple[int, AudioSegment]]) -> AudioSegment:
    """Mix notes at their start times (ms) into one sound, peaking at CHIME_PEAK_DBFS."""
    mix = AudioSegment.silent(duration=duration_ms, frame_rate=ALEXA_SAMPLE_RATE_HZ)
    for start_ms, note in placed:
        mix = mix.overlay(note, position=start_ms)
    return mix.apply_gain(CHIME_PEAK_DBFS - mix.max_dBFS)


@functools.cache
def start_chime() -> AudioSegment:
    """Two soft bell notes rising a fifth (C5, G5), about 1.6 s: "we're beginning"."""
    return _notes(
        1620,
        [
            (0, _bell_note(523.25, 1400, _SOFT_BELL, attack_ms=25)),
            (220, _bell_note(783.99, 1400, _SOFT_BELL, attack_ms=25)),
        ],
    )


@functools.cache
def switch_sides_chime() -> AudioSegment:
    """Two quick, equal soft taps (E5), about 1.3 s: "change sides"."""
    tap = _bell_note(659.25, 900, _SOFT_BELL, attack_ms=20)
    return _notes(1250, [(0, tap), (350, tap)])


@functools.cache
def end_bell() -> AudioSegment:
    """One low singing-bowl strike (C4) ringing out over 2.8 s: "the routine is done"."""
    return _notes(2800, [(0, _bell_note(261.63, 2800, _BOWL, attack_ms=40))])


@functools.cache
def _breath_cycle(inhale_ms: int, exhale_ms: int) -> AudioSegment:
    cycle_ms = inhale_ms + exhale_ms
    seconds = math.ceil(cycle_ms / 1000)
    pad = AudioSegment.silent(duration=cycle_ms, frame_rate=ALEXA_SAMPLE_RATE_HZ)
    for freq_hz, level_db in _BED_TONES_HZ:
        pad = pad.overlay((_tone(freq_hz, 1000, level_db) * seconds)[:cycle_ms])
    swell = pad.fade_in(inhale_ms).fade_out(exhale_ms)
    return swell.apply_gain(HOLD_BED_PEAK_DBFS - swell.max_dBFS)


def hold_bed(seconds: float, inhale: float = 4, exhale: float = 6) -> AudioSegment:
    """A quiet breathing bed exactly `seconds` long (to the millisecond), one swell per breath. Each
    breath rises over `inhale` seconds and falls over `exhale` seconds. One breath is built and
    repeated in a single step, then cut to length; a bed that ends mid-breath fades out over its
    last half second. Raises ValueError for a non-positive duration or breath phase.
    """
    total_ms = round(seconds * 1000)
    inhale_ms, exhale_ms = round(inhale * 1000), round(exhale * 1000)
    if total_ms <= 0 or inhale_ms <= 0 or exhale_ms <= 0:
        raise ValueError(f"hold_bed needs positive durations, got {seconds=}, {inhale=}, {exhale=}")
    cycle = _breath_cycle(inhale_ms, exhale_ms)
    bed = (cycle * math.ceil(total_ms / len(cycle)))[:total_ms]
    if total_ms % len(cycle):
        bed = bed.fade_out(min(_BED_TAIL_FADE_MS, total_ms))
    return bed


def hold_bed_name(seconds: int) -> str:
    """The registry name of a hold bed of whole `seconds`, e.g. "hold-bed-30s"."""
    return f"hold-bed-{seconds}s"


#: The fixed sounds by file stem; hold beds are named by `hold_bed_name`.
SOUNDS: Final[dict[str, Callable[[], AudioSegment]]] = {
    "start-chime": start_chime,
    "switch-sides": switch_sides_chime,
    "end-bell": end_bell,
}

_HOLD_BED_NAME: Final = re.compile(r"hold-bed-([1-9][0-9]*)s")


def sound(name: str) -> AudioSegment:
    """Return the sound called `name`: a key of SOUNDS or a hold bed such as "hold-bed-30s". Raises
    KeyError naming the known sounds when `name` is neither.
    """
    if name in SOUNDS:
        return SOUNDS[name]()
    match = _HOLD_BED_NAME.fullmatch(name)
    if match is None:
        known = ", ".join([*SOUNDS, hold_bed_name(30)])
        raise KeyError(f"unknown sound {name!r}; known: {known} (any whole seconds)")
    return hold_bed(int(match.group(1)))
