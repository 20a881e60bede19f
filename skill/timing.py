"""The timing model: how long speech, silence and sounds take, and how a timed span is laid out.

Speech lasts its word count over a speaking rate (scaled by the prosody rate), plus a little for
each sentence and clause break; silence lasts what the `<break>` tags say; sounds last their known
lengths. A `Span` (a hold, one rep, a rest) has a fixed length: cues are placed on it without
overlapping and the rest is silence, so its planned time equals its length by construction.
Nothing here has been measured on a device: the constants are estimates, kept in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from skill.schema import (
    MAX_HOLD_SECONDS,
    MAX_PER_REP_SECONDS,
    MIN_HOLD_SECONDS,
    MIN_PER_REP_SECONDS,
)

#: Words per second at prosody rate 100% (about 150 words a minute, Alexa's default voice).
BASE_WORDS_PER_SECOND: Final = 2.5
#: The pause a voice leaves after `.`, `?`, `!`, `;` or `:`, and after a comma.
SENTENCE_BREAK_SECONDS: Final = 0.3
CLAUSE_BREAK_SECONDS: Final = 0.15
#: Even a one-word cue takes this long.
MIN_SPEECH_SECONDS: Final = 0.3
#: Silence kept between two cues placed on a span, so they never run together.
CUE_GAP_SECONDS: Final = 0.3

#: Lengths of the skill's sounds (rendered by `gentle-back render-audio`), in seconds.
SOUND_SECONDS: Final[Mapping[str, float]] = MappingProxyType(
    {"start-chime": 1.5, "switch-sides": 1.5, "end-bell": 3.0}
)


@dataclass(frozen=True)
class Pace:
    """How one pace setting scales a session, within the doses (clinical-safety doc, 6)."""

    name: str
    hold_factor: float  # holds, seconds per rep and lead-ins are scaled by this
    inhale_seconds: float  # guided slow breathing: in for this long…
    exhale_seconds: float  # …and out for this long
    rate_percent: int  # prosody rate of every spoken word

    @property
    def breath_cycle_seconds(self) -> float:
        return self.inhale_seconds + self.exhale_seconds

    @property
    def words_per_second(self) -> float:
        return BASE_WORDS_PER_SECOND * self.rate_percent / 100

    def hold(self, seconds: float) -> float:
        """A static hold at this pace: whole seconds, kept within the schema's hold limits."""
        return float(
            min(MAX_HOLD_SECONDS, max(MIN_HOLD_SECONDS, round(seconds * self.hold_factor)))
        )

    def per_rep(self, seconds: float) -> float:
        """One rep of a movement at this pace, kept within the schema's per-rep limits."""
        scaled = round(seconds * self.hold_factor, 1)
        return float(min(MAX_PER_REP_SECONDS, max(MIN_PER_REP_SECONDS, scaled)))

    def scaled(self, seconds: float) -> float:
        """A lead-in or beat at this pace."""
        return round(seconds * self.hold_factor, 1)


#: Hold factors 1.25 / 1.0 / 0.8; breathing 5+7, 4+6 ("in for four, out for six"), 3+5 seconds.
SLOW: Final = Pace("slow", 1.25, 5.0, 7.0, 85)
NORMAL: Final = Pace("normal", 1.0, 4.0, 6.0, 95)
BRISK: Final = Pace("brisk", 0.8, 3.0, 5.0, 100)
PACES: Final[Mapping[str, Pace]] = MappingProxyType({p.name: p for p in (SLOW, NORMAL, BRISK)})

_WORD: Final = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END: Final = re.compile(r"[.!?;:](?=\s|$)")


def pace_named(name: str) -> Pace:
    """The pace called `name`, or ValueError naming the choices."""
    try:
        return PACES[name]
    except KeyError:
        raise ValueError(f"unknown pace {name!r}; choose one of {', '.join(PACES)}") from None


def word_count(text: str) -> int:
    """Spoken words in `text` (a number counts as one word per two digits, roughly as read)."""
    return sum(max(1, (len(w) + 1) // 2) if w.isdigit() else 1 for w in _WORD.findall(text))


@lru_cache(maxsize=4096)
def speech_seconds(text: str, rate_percent: int = 100) -> float:
    """Estimated time to say `text` at a prosody rate, sentence and clause breaks included."""
    words = word_count(text)
    if words == 0:
        return 0.0
    seconds = words / (BASE_WORDS_PER_SECOND * rate_percent / 100)
    seconds += SENTENCE_BREAK_SECONDS * len(_SENTENCE_END.findall(text))
    seconds += CLAUSE_BREAK_SECONDS * text.count(",")
    return round(max(MIN_SPEECH_SECONDS, seconds), 3)


def sound_seconds(name: str) -> float:
    """The length of one of the skill's sounds; KeyError for an unknown name."""
    return SOUND_SECONDS[name]


def spoken_duration(seconds: float) -> str:
    """A duration as said aloud: `45 seconds`, `a minute and a half`, `4 minutes`."""
    if seconds < 55:
        return f"{max(5, round(seconds / 5) * 5)} seconds"
    halves = max(2, round(seconds / 30))
    minutes, half = divmod(halves, 2)
    if minutes == 1:
        return "a minute and a half" if half else "a minute"
    return f"{minutes} and a half minutes" if half else f"{minutes} minutes"


@dataclass(frozen=True)
class Placed:
    """A cue placed on a span: said from `start` for `seconds`."""

    start: float
    text: str
    kind: str
    seconds: float
    group: int = 0

    @property
    def end(self) -> float:
        return self.start + self.seconds


@dataclass(frozen=True)
class Silence:
    """Silence on a span; `within_group` when it falls inside a solid group (an inhale)."""

    seconds: float
    within_group: bool = False


@dataclass(frozen=True)
class _Block:
    start: float
    end: float
    group: int
    evictable: bool


@dataclass
class Span:
    """A stretch of fixed length with cues placed on it; whatever is not speech is silence.

    Cues are placed in groups (a breath cycle is one group: "breathe in", then "and out" an
    inhale later). Nothing runs past the end unless `force` is given (then the span grows), so a
    span's planned time, speech plus silence, is exactly its length.
    """

    seconds: float
    rate_percent: int
    placed: list[Placed] = field(default_factory=list)
    _blocks: list[_Block] = field(default_factory=list)
    _groups: int = 0

    def _free(self, start: float, end: float, limit: float) -> bool:
        if start < -1e-9 or end > limit + 1e-9:
            return False
        return all(
            end + CUE_GAP_SECONDS <= b.start or start >= b.end + CUE_GAP_SECONDS
            for b in self._blocks
        )

    def place(
        self,
        parts: Sequence[tuple[float, str, str]],
        *,
        at: float,
        earliest: float | None = None,
        latest: float | None = None,
        before: float | None = None,
        solid: bool = False,
        evictable: bool = False,
        force: bool = False,
    ) -> float | None:
        """Place a group of cues `(offset, text, kind)` together, as near `at` as possible
        between `earliest` and `latest` (both default to `at`), every cue ending by `before`
        (default: the end). A `solid` group also keeps the silence between its cues to itself;
        an `evictable` one may be removed by `evict`. Returns the start used, or None when the
        group fits nowhere. With `force`, it is placed at `at` anyway and the span grows.
        """
        timed = [(o, t, k, speech_seconds(t, self.rate_percent)) for o, t, k in parts]
        limit = self.seconds if before is None else min(before, self.seconds)
        low = at if earliest is None else earliest
        high = at if latest is None else latest
        candidates = {at, low, high}
        for b in self._blocks:
            for offset, _, _, seconds in timed:
                candidates.add(b.end + CUE_GAP_SECONDS - offset)
                candidates.add(b.start - CUE_GAP_SECONDS - offset - seconds)
        for start in sorted(candidates, key=lambda c: (abs(c - at), c)):
            if low - 1e-9 <= start <= high + 1e-9 and self._fits(start, timed, limit, solid):
                self._commit(start, timed, solid, evictable)
                return start
        if not force:
            return None
        self._commit(at, timed, solid, evictable)
        self.seconds = max(self.seconds, max(at + o + s for o, _, _, s in timed))
        return at

    def _fits(
        self, start: float, timed: list[tuple[float, str, str, float]], limit: float, solid: bool
    ) -> bool:
        if solid:
            return self._free(start, start + max(o + s for o, _, _, s in timed), limit)
        return all(self._free(start + o, start + o + s, limit) for o, _, _, s in timed)

    def _commit(
        self, start: float, timed: list[tuple[float, str, str, float]], solid: bool, evictable: bool
    ) -> None:
        self._groups += 1
        group = self._groups
        for offset, text, kind, seconds in timed:
            self.placed.append(Placed(round(start + offset, 3), text, kind, seconds, group))
        if solid:
            end = start + max(o + s for o, _, _, s in timed)
            self._blocks.append(_Block(start, end, group, evictable))
        else:
            for o, _, _, s in timed:
                self._blocks.append(_Block(start + o, start + o + s, group, evictable))
        self.placed.sort(key=lambda p: p.start)

    def evict(self, start: float, end: float) -> int:
        """Remove every evictable group overlapping `start`..`end`; returns how many."""
        doomed = {
            b.group
            for b in self._blocks
            if b.evictable and end + CUE_GAP_SECONDS > b.start and start < b.end + CUE_GAP_SECONDS
        }
        self._blocks = [b for b in self._blocks if b.group not in doomed]
        self.placed = [p for p in self.placed if p.group not in doomed]
        return len(doomed)

    def segments(self) -> list[Placed | Silence]:
        """The span in order: cues and the silences between them. Sums to `seconds`."""
        out: list[Placed | Silence] = []
        cursor = 0.0
        for p in self.placed:
            gap = round(p.start - cursor, 3)
            if gap > 0:
                inside = any(b.start <= cursor and p.start <= b.end for b in self._blocks)
                out.append(Silence(gap, inside))
            out.append(p)
            cursor = max(cursor, p.end)
        tail = round(self.seconds - cursor, 3)
        if tail > 0:
            out.append(Silence(tail))
        return out
