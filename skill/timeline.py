"""Routine -> timeline: every word, silence and sound of a session, in order, with its time.

`build_timeline` turns a routine and its safety-filtered plan (`skill.plan.plan_steps`) into a
flat list of events. The intro and the safety cue come first (the cue is added only when the
routine's intro does not already say it); each planned step then has its start chime, name (or
its gentler variant), setup, safety cue, a get-ready lead-in, and every rep on one side before the
other: holds filled with breath cues at the pace's cadence, hold cues and time cues; movements
counted aloud with the breath. Rests follow reps and steps; the closing and
its bell come last, leading into the check-in. Each event is tagged with its section, plan step,
side and rep, and `is_hold` marks the time spent holding a pose, which the turn packer may split
but never shortens. Spoken copy comes from `skill/copy/pacing.yaml`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from skill.catalogue import normalise_phrase
from skill.phrases import PhraseBook, phrases
from skill.plan import PlannedStep
from skill.schema import Breath, Routine, Sides
from skill.timing import Pace, Placed, Span, pace_named, sound_seconds, speech_seconds

Section = Literal["intro", "step", "closing"]
Verbosity = Literal["full", "brief"]
VERBOSITIES: Final = ("full", "brief")

#: Time cues: the countdown needs a hold this long, "halfway" and "ten seconds left" these.
COUNTDOWN_MIN_HOLD_SECONDS: Final = 6.0
HALFWAY_MIN_HOLD_SECONDS: Final = 20.0
TEN_SECONDS_LEFT_MIN_HOLD_SECONDS: Final = 25.0
MINUTE_LEFT_MIN_HOLD_SECONDS: Final = 150.0
#: "Ten seconds left" may be said at most this much late (it may be said up to half a breath
#: cycle early, in the quiet after a breath).
TEN_SECONDS_LATE: Final = 2.0
#: Holds up to this long are breath-guided throughout; longer ones get a few guided cycles at
#: the start and one more every reminder interval, so a ten-minute hold is not all talk.
CONTINUOUS_BREATH_MAX_SECONDS: Final = 90.0
GUIDED_BREATH_CYCLES: Final = 3
BREATH_REMINDER_SECONDS: Final = 60.0
#: Natural breathing: "breathe freely" this far into a hold, then at this interval (at the
#: reminder interval above on long holds), and only where no other cue is this close.
NATURAL_FIRST_SECONDS: Final = 5.0
NATURAL_EVERY_SECONDS: Final = 30.0
NATURAL_MIN_HOLD_SECONDS: Final = 15.0
NATURAL_QUIET_SECONDS: Final = 10.0
#: Lead-in silence after "Get ready.", and the beat between holds with no rest (normal pace).
LEAD_IN_SECONDS: Final = 3.0
BETWEEN_HOLDS_SECONDS: Final = 3.0

COPY: Final = "pacing"


@dataclass(frozen=True, kw_only=True)
class _Tagged:
    section: Section
    step: int | None = None  # index into the plan
    side: int | None = None  # 0 or 1 for the two sides of a `both` pose
    rep: int | None = None
    is_hold: bool = False


@dataclass(frozen=True)
class Speech(_Tagged):
    """Words to say, as plain text (escaped only when rendered)."""

    text: str
    kind: str
    seconds: float


@dataclass(frozen=True)
class Pause(_Tagged):
    """Silence."""

    seconds: float
    kind: str


@dataclass(frozen=True)
class Sound(_Tagged):
    """One of the skill's sounds, by name (`start-chime`, `switch-sides`, `end-bell`)."""

    name: str

    @property
    def seconds(self) -> float:
        return sound_seconds(self.name)


Event = Speech | Pause | Sound


_ONES: Final = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS: Final = (
    "",
    "",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)


def _number_word(n: int) -> str:
    if n < 20:
        return _ONES[n]
    ten, one = divmod(n, 10)
    return _TENS[ten] + (f"-{_ONES[one]}" if one else "")


class _Builder:
    """Appends events with the current tags and the session's pace, copy and random choices."""

    def __init__(self, pace: Pace, rng: random.Random) -> None:
        self.pace = pace
        self.rng = rng
        self.copy: PhraseBook = phrases(COPY)
        self.events: list[Event] = []
        self.section: Section = "intro"
        self.step: int | None = None
        self.side: int | None = None
        self.rep: int | None = None

    def line(self, key: str, **values: object) -> str:
        return self.copy.say(key, self.rng, **values)

    def say(self, text: str, kind: str, *, is_hold: bool = False) -> None:
        seconds = speech_seconds(text, self.pace.rate_percent)
        self.events.append(self._speech(text, kind, seconds, is_hold))

    def silence(self, seconds: float, kind: str, *, is_hold: bool = False) -> None:
        if seconds > 0:
            self.events.append(
                Pause(
                    seconds,
                    kind,
                    section=self.section,
                    step=self.step,
                    side=self.side,
                    rep=self.rep,
                    is_hold=is_hold,
                )
            )

    def sound(self, name: str) -> None:
        self.events.append(
            Sound(name, section=self.section, step=self.step, side=self.side, rep=self.rep)
        )

    def span(self, span: Span, pause_kind: str, *, is_hold: bool = False) -> None:
        for segment in span.segments():
            if isinstance(segment, Placed):
                self.events.append(
                    self._speech(segment.text, segment.kind, segment.seconds, is_hold)
                )
            else:
                kind = "breath" if segment.within_group else pause_kind
                self.silence(segment.seconds, kind, is_hold=is_hold)

    def _speech(self, text: str, kind: str, seconds: float, is_hold: bool) -> Speech:
        return Speech(
            text,
            kind,
            seconds,
            section=self.section,
            step=self.step,
            side=self.side,
            rep=self.rep,
            is_hold=is_hold,
        )


def build_timeline(
    routine: Routine,
    plan: Sequence[PlannedStep],
    pace: str,
    verbosity: str,
    *,
    rng_seed: int | str = 0,
) -> list[Event]:
    """Every event of a session of `routine` over `plan` at `pace` ("slow", "normal", "brisk")
    and `verbosity` ("full", "brief"). Deterministic: the same inputs and `rng_seed` give the
    same timeline, alternative phrasings included.
    """
    if verbosity not in VERBOSITIES:
        raise ValueError(f"unknown verbosity {verbosity!r}; choose one of {', '.join(VERBOSITIES)}")
    b = _Builder(pace_named(pace), random.Random(f"{routine.id}:{rng_seed}"))
    brief = verbosity == "brief"
    for line in routine.intro:
        b.say(line, "intro")
    safety = b.line("safety_intro")
    if normalise_phrase(safety) not in normalise_phrase(" ".join(routine.intro)):
        b.say(safety, "safety")
    seen: set[str] = set()
    for index, planned in enumerate(plan):
        b.section, b.step, b.side, b.rep = "step", index, 0, None
        _step(b, planned, first=index == 0, repeat=planned.pose.id in seen, brief=brief)
        seen.add(planned.pose.id)
    b.section, b.step, b.side, b.rep = "closing", None, None, None
    b.sound("end-bell")
    for line in routine.closing:
        b.say(line, "closing")
    return b.events


def _step(b: _Builder, planned: PlannedStep, *, first: bool, repeat: bool, brief: bool) -> None:
    """One planned pose. Brief verbosity shortens a repeated pose's setup to its first line and
    says the safety cue only the first time a pose appears or when symptoms matter more (the
    pose was swapped for a gentler variant, or the whole session is gentler after a bad one)."""
    pose = planned.pose
    b.sound("start-chime")
    if planned.modified:
        b.say(b.line("variant", pose=pose.name), "variant")
    else:
        b.say(b.line("first_pose" if first else "next_pose", pose=pose.name), "pose")
    if planned.gentler:
        b.say(b.line("gentler"), "gentler")
    for cue in pose.setup[:1] if brief and repeat else pose.setup:
        b.say(cue, "setup")
    if planned.note:
        b.say(planned.note, "note")
    if not brief or not repeat or planned.modified or planned.gentler:
        b.say(pose.safety_cue, "safety")
    hold_cues = list(pose.hold_cues[:1] if brief else pose.hold_cues)
    first_span: Span | None = None
    if planned.hold is not None:
        first_span, early = _hold_span(b, planned, hold_cues, first_slot=True, brief=brief)
    else:
        early = hold_cues
    for cue in early:
        b.say(cue, "hold-cue")
    if _rides_breath(planned):
        b.say(b.line("move_breath"), "breath-move")
    for side in range(planned.side_count):
        b.side, b.rep = side, None
        if side == 1:
            b.sound("switch-sides")
            b.say(b.line("other_side"), "side")
        elif planned.sides is Sides.BOTH:
            b.say(b.line("first_side"), "side")
        b.say(b.line("get_ready"), "lead-in")
        b.silence(b.pace.scaled(LEAD_IN_SECONDS), "lead-in")
        for rep in range(planned.reps):
            b.rep = rep
            if planned.hold is not None:
                span = first_span if side == rep == 0 and first_span is not None else None
                _hold_rep(b, planned, rep, side, span, hold_cues, brief=brief)
            else:
                _movement_rep(b, planned, rep, brief=brief)
            if rep < planned.reps - 1:
                _between_reps(b, planned)
        b.rep = None
        b.say(pose.release, "release")
    if planned.rest > 0:
        _rest(b, planned.rest, "rest_after")


def _count_words(b: _Builder, rep: int, reps: int, side_phrase: str | None) -> str:
    last = reps > 1 and rep == reps - 1
    if side_phrase is None:
        return (
            b.line("last_one")
            if last
            else b.line("count", count=_number_word(rep + 1).capitalize())
        )
    if last:
        return b.line("last_one_side", side=side_phrase)
    return b.line("count_side", count=_number_word(rep + 1).capitalize(), side=side_phrase)


def _hold_rep(
    b: _Builder,
    planned: PlannedStep,
    rep: int,
    side: int,
    span: Span | None,
    hold_cues: list[str],
    *,
    brief: bool,
) -> None:
    if rep > 0:
        b.say(_count_words(b, rep, planned.reps, None), "count")
    b.say(b.line("start_hold"), "lead-in")
    if span is None:
        slot = side * planned.reps + rep
        later = [] if brief or not hold_cues else [hold_cues[(slot - 1) % len(hold_cues)]]
        span, _ = _hold_span(b, planned, later, first_slot=False, brief=brief)
    b.span(span, "hold", is_hold=True)
    has_countdown = span.seconds >= COUNTDOWN_MIN_HOLD_SECONDS
    b.say(b.line("release_after_count" if has_countdown else "release_now"), "time")


def _hold_span(
    b: _Builder, planned: PlannedStep, hold_cues: list[str], *, first_slot: bool, brief: bool
) -> tuple[Span, list[str]]:
    """One hold at the session's pace. The countdown is placed first, at its exact seconds; then
    the breath cycles set the rhythm; time cues and hold cues go to the free moment nearest
    theirs, pushing a breath cycle aside when there is none. Returns the span and the hold cues
    that did not fit (said before the hold instead)."""
    assert planned.hold is not None
    seconds = b.pace.hold(planned.hold)
    span = Span(seconds, b.pace.rate_percent)
    if seconds >= COUNTDOWN_MIN_HOLD_SECONDS:
        for i, key in enumerate(("countdown_three", "countdown_two", "countdown_one")):
            span.place([(0.0, b.line(key), "time")], at=seconds - 3 + i)
    breath = planned.pose.breath
    if breath is not Breath.NATURAL:
        _breath_cycles(b, span, max_cycles=1 if brief else None)
    # A time cue goes to the free moment nearest its own, which with guided breathing is the
    # quiet after an "and out": up to half a breath cycle away, and "ten seconds left" is said
    # early rather than late.
    slack = b.pace.breath_cycle_seconds / 2 + 1 if breath is not Breath.NATURAL else 1.5
    for key, minimum, at, late in (
        ("minute_left", MINUTE_LEFT_MIN_HOLD_SECONDS, seconds - 60, slack),
        ("ten_seconds_left", TEN_SECONDS_LEFT_MIN_HOLD_SECONDS, seconds - 10, TEN_SECONDS_LATE),
        ("halfway", HALFWAY_MIN_HOLD_SECONDS, seconds / 2, slack),
    ):
        if seconds >= minimum:
            _place_or_push(span, b.line(key), "time", at, at - slack, at + late)
    unplaced: list[str] = []
    for j, cue in enumerate(hold_cues):
        share = seconds / len(hold_cues)
        at = share * (j + 0.25)
        if not _place_or_push(span, cue, "hold-cue", at, at, at + share * 0.7):
            unplaced.append(cue)
    if (
        breath is Breath.NATURAL
        and seconds >= NATURAL_MIN_HOLD_SECONDS
        and (first_slot or not brief)
    ):
        at = NATURAL_FIRST_SECONDS
        every = NATURAL_EVERY_SECONDS
        if seconds > CONTINUOUS_BREATH_MAX_SECONDS:
            every = BREATH_REMINDER_SECONDS
        while at < seconds:
            # A reminder only where the hold is otherwise quiet.
            if not any(abs(p.start - at) < NATURAL_QUIET_SECONDS for p in span.placed):
                line = b.line("breath_free")
                span.place([(0.0, line, "breath-free")], at=at, latest=at + NATURAL_QUIET_SECONDS)
            if brief:
                break
            at += every
    return span, unplaced


def _place_or_push(
    span: Span, words: str, kind: str, at: float, earliest: float, latest: float
) -> bool:
    """Place a cue near `at`; if there is no room, push aside the breath cycles at `at`."""
    parts = [(0.0, words, kind)]
    if span.place(parts, at=at, earliest=earliest, latest=latest) is not None:
        return True
    end = at + speech_seconds(words, span.rate_percent)
    return (
        span.evict(at, end) > 0
        and span.place(parts, at=at, earliest=earliest, latest=latest) is not None
    )


def _breath_cycles(b: _Builder, span: Span, *, max_cycles: int | None) -> None:
    """Guided slow breathing on a hold: "breathe in … and out" at the pace's cadence."""
    pace, t, count = b.pace, 0.0, 0
    continuous = span.seconds <= CONTINUOUS_BREATH_MAX_SECONDS
    while max_cycles is None or count < max_cycles:
        start = span.place(
            [
                (0.0, b.line("breath_in"), "breath-in"),
                (pace.inhale_seconds, b.line("breath_out"), "breath-out"),
            ],
            at=t,
            latest=span.seconds,
            solid=True,
            evictable=True,
        )
        if start is None:
            return
        count += 1
        t = start + pace.breath_cycle_seconds
        if not continuous and count >= GUIDED_BREATH_CYCLES:
            t = max(t, (start // BREATH_REMINDER_SECONDS + 1) * BREATH_REMINDER_SECONDS)


def _movement_rep(b: _Builder, planned: PlannedStep, rep: int, *, brief: bool) -> None:
    """One rep of a movement: its count, and (riding the breath) "out … and in" on the rhythm."""
    assert planned.per_rep is not None
    seconds = b.pace.per_rep(planned.per_rep)
    span = Span(seconds, b.pace.rate_percent)
    side_phrase = None
    if planned.sides is Sides.ALTERNATE:
        side_phrase = b.line("side_right" if rep % 2 == 0 else "side_left")
    count = _count_words(b, rep, planned.reps, side_phrase)
    span.place([(0.0, count, "count")], at=0.0, force=True)
    if _rides_breath(planned) and not brief:
        turn_at = seconds * b.pace.exhale_seconds / b.pace.breath_cycle_seconds
        out_words, in_words = b.line("move_breath_out"), b.line("move_breath_in")
        span.place([(0.0, out_words, "breath-move")], at=0.0, latest=turn_at)
        span.place([(0.0, in_words, "breath-move")], at=turn_at, latest=seconds)
    b.span(span, "rep")


def _rides_breath(planned: PlannedStep) -> bool:
    return planned.per_rep is not None and planned.pose.breath is not Breath.NATURAL


def _between_reps(b: _Builder, planned: PlannedStep) -> None:
    rest = planned.pose.dose.rest
    if rest > 0:
        _rest(b, rest, "rest_between")
    elif planned.hold is not None:
        b.silence(b.pace.scaled(BETWEEN_HOLDS_SECONDS), "beat")


def _rest(b: _Builder, seconds: float, key: str) -> None:
    span = Span(seconds, b.pace.rate_percent)
    span.place([(0.0, b.line(key), "rest")], at=0.0)
    b.span(span, "rest")
