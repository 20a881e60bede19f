"""Turn packing: a session's timeline cut into the responses Alexa speaks, one per request.

What one turn carries (the choice, and why):

- The intro and the session's safety cue are a turn of their own, ending "When you're settled on
  your mat, say next": the user gets onto the mat in their own time.
- Then one pose per turn, both sides and its rest included ("a rest stays with the pose it
  follows"). On the mat every "next" is an interruption, so a turn should carry as much as is
  natural, but the user stays in control between poses, where a setup cue has to be heard.
- Short poses are combined: consecutive whole poses share a turn while together they plan at most
  `COMBINE_MAX_SECONDS`.
- A pose that does not fit one turn is cut at the most natural point that leaves the turn at least
  `MIN_TURN_FILL` full: between sides, else between reps, else inside a hold (leaving at least
  `MIN_HOLD_REMAINDER_SECONDS` of it), never between breathing in and out. A hold cut ends "Stay
  where you are. Say continue for more time, or next to move on." and the next turn (kind
  `continue`) opens with the time left and carries the rest of the hold: a hold is never silently
  cut short, and its parts add up to it. A cut between sides asks "Say continue for the other
  side, or next to move on"; between reps, "Say continue when you're ready, or next to move on".
  So "continue" plays the next turn, and "next" goes to the next turn that is not a `continue`.
- The closing is its own turn with an empty prompt: the conversation layer appends the check-in.

Every turn stays within Alexa's limits less reserves for the conversation layer (a sentence or a
question prepended or appended, a chime or two): `MAX_SSML_CHARS - SSML_RESERVE_CHARS` characters,
`MAX_AUDIO_TAGS - AUDIO_TAG_RESERVE` audio tags, `MAX_AUDIO_SECONDS - AUDIO_SECONDS_RESERVE` of
audio, `MAX_RESPONSE_BYTES - RESPONSE_RESERVE_BYTES` of response, and `MAX_TURN_SECONDS` of
planned time. `build_session` is deterministic and cached, because the conversation rebuilds the
session on every request and stores only the turn index.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Final, Generic, Literal, NamedTuple, TypeVar

from skill.catalogue import Catalogue
from skill.choices import PROFILES
from skill.limits import (
    MAX_AUDIO_SECONDS,
    MAX_AUDIO_TAGS,
    MAX_BREAK_SECONDS,
    MAX_RESPONSE_BYTES,
    MAX_SSML_CHARS,
)
from skill.phrases import phrases
from skill.plan import PlannedStep, plan_steps
from skill.schema import Direction
from skill.ssml import EMPTY, Ssml, audio, check, join, pause, plain, prosody, speak, text
from skill.timeline import COPY, VERBOSITIES, Event, Pause, Sound, Speech, build_timeline
from skill.timing import SOUND_SECONDS, Pace, pace_named, speech_seconds, spoken_duration

#: Longest planned time of one turn. Alexa documents no cap on total silence in a response
#: (chains of 10 s breaks are used by a published mat-class skill; UNCONFIRMED on devices), so
#: this is a setting: 240 s matches the longest audio Alexa accepts in one response, fits one pose
#: with both sides at typical doses (2-3 holds of 20-30 s a side), and bounds what is lost if a
#: device drops a response. Lower it if devices cut long silences.
MAX_TURN_SECONDS: Final = 240.0
#: Left for the conversation layer to prepend or append a sentence or a check-in question.
SSML_RESERVE_CHARS: Final = 1500
AUDIO_TAG_RESERVE: Final = 1
AUDIO_SECONDS_RESERVE: Final = 30.0
#: Left for the response envelope, the reprompt, a card and session attributes.
RESPONSE_RESERVE_BYTES: Final = 8 * 1024
#: Whole poses share a turn while together they plan at most this long.
COMBINE_MAX_SECONDS: Final = 150.0
#: A pose is cut at its most natural point among those leaving the turn at least this full.
MIN_TURN_FILL: Final = 0.5
#: A hold is never cut so close to its end that the next turn holds less than this.
MIN_HOLD_REMAINDER_SECONDS: Final = 20.0
#: Sessions kept built, keyed on the catalogue object and every input.
SESSION_CACHE_SIZE: Final = 128

TurnKind = Literal["intro", "step", "continue", "closing"]
_SIDE, _REP, _HOLD = 1, 2, 3  # cut levels, most natural first
_WRAPPER_CHARS: Final = len('<prosody rate="100%"></prosody>')
_SPEAK_CHARS: Final = len("<speak></speak>")


class PackingError(ValueError):
    """Content that cannot be cut into turns within the limits (a validator should catch it)."""


@dataclass(frozen=True)
class Turn:
    """One response's worth of a session: its speech, closing prompt and reprompt."""

    index: int  # position in the session's turn list
    step: int | None  # index into the plan (None for intro-only / closing-only turns)
    kind: TurnKind
    body: Ssml  # SSML fragment (no <speak>) of the content
    prompt: Ssml  # "Say next when you're ready." fragment; empty on the closing turn
    reprompt: Ssml  # fragment for the reprompt
    planned_seconds: float
    steps: tuple[int, ...] = ()  # every plan step this turn carries a part of
    events: tuple[Event, ...] = ()  # the timeline events it speaks (an opener included)

    @property
    def ssml(self) -> str:
        return speak(self.body, self.prompt)

    @property
    def text(self) -> str:
        return plain(self.ssml)


@dataclass(frozen=True)
class Session:
    """A routine as one user will hear it: the plan and its turns. Treat as read-only."""

    routine_id: str
    profile: str
    pace: str
    verbosity: str
    plan: list[PlannedStep]
    turns: list[Turn]

    def first_turn_of_step(self, step: int) -> int:
        """The index of the turn where plan step `step` begins; IndexError if there is none."""
        for turn in self.turns:
            if step in turn.steps:
                return turn.index
        raise IndexError(f"the plan has no step {step}")

    def step_of_turn(self, turn_index: int) -> int | None:
        """The plan step a turn starts in (None for the intro and the closing)."""
        return self.turns[turn_index].step

    @property
    def planned_seconds(self) -> float:
        return sum(turn.planned_seconds for turn in self.turns)


class _Cost(NamedTuple):
    """What a turn, or a part of one, costs against each limit."""

    seconds: float = 0.0
    chars: int = 0
    bytes: int = 0
    audio_tags: int = 0
    audio_seconds: float = 0.0

    def plus(self, other: _Cost) -> _Cost:
        return _Cost(
            self.seconds + other.seconds,
            self.chars + other.chars,
            self.bytes + other.bytes,
            self.audio_tags + other.audio_tags,
            self.audio_seconds + other.audio_seconds,
        )

    def fill(self, limit: _Cost) -> float:
        """How full a turn is: the largest share of any limit used."""
        return max(
            self.seconds / limit.seconds,
            self.chars / limit.chars,
            self.bytes / limit.bytes,
            self.audio_tags / max(1, limit.audio_tags),
            self.audio_seconds / limit.audio_seconds,
        )

    def within(self, limit: _Cost) -> bool:
        return (
            self.seconds <= limit.seconds
            and self.chars <= limit.chars
            and self.bytes <= limit.bytes
            and self.audio_tags <= limit.audio_tags
            and self.audio_seconds <= limit.audio_seconds
        )


LIMIT: Final = _Cost(
    seconds=MAX_TURN_SECONDS,
    chars=MAX_SSML_CHARS - SSML_RESERVE_CHARS,
    bytes=MAX_RESPONSE_BYTES - RESPONSE_RESERVE_BYTES,
    audio_tags=MAX_AUDIO_TAGS - AUDIO_TAG_RESERVE,
    audio_seconds=MAX_AUDIO_SECONDS - AUDIO_SECONDS_RESERVE,
)


def _json_bytes(fragment: str) -> int:
    """Bytes of `fragment` as a JSON string value (UTF-8; quotes, backslashes, tabs and line
    breaks escaped; `text()` has already dropped every other control character)."""
    escaped = sum(fragment.count(c) for c in '"\\\n\r\t')
    return len(fragment.encode("utf-8")) + escaped


def audio_url(base: str, name: str) -> str:
    """Where the skill's sound `name` is served under `base`."""
    return f"{base.rstrip('/')}/{name}.mp3"


@dataclass(frozen=True)
class _Packer:
    pace: Pace
    audio_base_url: str | None
    _costs: dict[Event, _Cost] = field(default_factory=dict, compare=False)

    def cost(self, event: Event) -> _Cost:
        """What one event adds to a turn (an upper bound: rendering merges silences)."""
        known = self._costs.get(event)
        if known is None:
            known = self._costs[event] = self._cost(event)
        return known

    def _cost(self, event: Event) -> _Cost:
        if isinstance(event, Speech):
            fragment = text(event.text)
        elif isinstance(event, Pause):
            fragment = pause(event.seconds)
        else:
            fragment = audio(audio_url(self.audio_base_url or "", event.name))
            size = len(fragment) + 1 + _WRAPPER_CHARS
            return _Cost(
                event.seconds, size, _json_bytes(fragment) + 1 + _WRAPPER_CHARS, 1, event.seconds
            )
        return _Cost(event.seconds, len(fragment) + 1, _json_bytes(fragment) + 1)

    def spoken(self, words: str) -> _Cost:
        fragment = text(words)
        seconds = speech_seconds(words, self.pace.rate_percent)
        return _Cost(
            seconds, len(fragment) + _WRAPPER_CHARS, _json_bytes(fragment) + _WRAPPER_CHARS
        )

    @cached_property
    def frame(self) -> _Cost:
        """The most a turn's fixed parts can cost: <speak>, the longest prompt and opener."""
        book = phrases(COPY)
        prompts = [
            p
            for k in ("prompt_intro", "prompt_next", "prompt_hold", "prompt_side", "prompt_paused")
            for p in book.alternatives(k)
        ]
        longest = spoken_duration(3600)
        openers = [o.format(remaining=longest) for o in book.alternatives("continue_hold")]
        openers += book.alternatives("continue_reps")
        worst = _Cost()
        for words in (*prompts, *openers):
            c = self.spoken(words)
            worst = _Cost(
                max(worst.seconds, c.seconds), max(worst.chars, c.chars), max(worst.bytes, c.bytes)
            )
        base = _Cost(0.0, _SPEAK_CHARS + _WRAPPER_CHARS, _SPEAK_CHARS + _WRAPPER_CHARS)
        return base.plus(worst).plus(worst)

    def render(self, events: Sequence[Event]) -> Ssml:
        """Events as SSML: speech and silence in a calm prosody, sounds between them."""
        out: list[Ssml] = []
        run: list[Ssml] = []
        silence = 0.0

        def flush_silence() -> None:
            nonlocal silence
            if silence > 0:
                run.append(pause(silence))
            silence = 0.0

        def flush_run() -> None:
            flush_silence()
            if run:
                out.append(prosody(join(*run), rate=self.pace.rate_percent))
                run.clear()

        for event in events:
            if isinstance(event, Pause):
                silence += event.seconds
            elif isinstance(event, Speech):
                flush_silence()
                run.append(text(event.text))
            else:
                flush_run()
                out.append(audio(audio_url(self.audio_base_url or "", event.name)))
        flush_run()
        return join(*out)

    def say(self, words: str) -> Ssml:
        return prosody(text(words), rate=self.pace.rate_percent) if words else EMPTY


@dataclass(frozen=True)
class _Chunk:
    section: str
    events: tuple[Event, ...]
    starts_step: bool
    ends: int | None  # the cut level at its end, None when it ends its step or section
    hold_left: float = 0.0  # hold time left from its first event (for a continuation's opener)

    @property
    def step(self) -> int | None:
        return self.events[0].step if self.events else None


def _split_pauses(events: Sequence[Event]) -> list[Event]:
    """Long silences as pieces of at most one break, so a hold can be cut anywhere."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, Pause) and event.seconds > MAX_BREAK_SECONDS:
            left = event.seconds
            while left > 1e-9:
                piece = min(left, MAX_BREAK_SECONDS)
                out.append(replace(event, seconds=round(piece, 3)))
                left -= piece
        else:
            out.append(event)
    return out


def _hold_remaining(events: Sequence[Event]) -> list[float]:
    """For each event of one step, the hold time from it to the end of its hold (0 outside)."""
    remaining = [0.0] * (len(events) + 1)
    for i in range(len(events) - 1, -1, -1):
        e = events[i]
        if e.is_hold:
            nxt = events[i + 1] if i + 1 < len(events) else None
            same = nxt is not None and nxt.is_hold and (nxt.side, nxt.rep) == (e.side, e.rep)
            remaining[i] = e.seconds + (remaining[i + 1] if same else 0.0)
    return remaining[:-1]


def _cut_level(a: Event, b: Event, hold_left: float) -> int | None:
    if a.side != b.side:
        return _SIDE if a.side is not None and b.side is not None else None
    if a.rep != b.rep:
        return _REP if a.rep is not None and b.rep is not None else None
    # Inside a hold, only after a silence that is not an inhale, leaving enough hold to go on.
    in_silence = isinstance(a, Pause) and a.kind == "hold"
    if in_silence and b.is_hold and hold_left >= MIN_HOLD_REMAINDER_SECONDS:
        return _HOLD
    return None


def _split_step(packer: _Packer, events: list[Event]) -> list[_Chunk]:
    """One step's events cut where the turn limits demand, at the most natural points."""
    costs = [packer.cost(e) for e in events]
    hold_left = _hold_remaining(events)
    frame = packer.frame
    chunks: list[_Chunk] = []
    start = 0
    while start < len(events):
        used, i = frame, start
        candidates: list[tuple[int, int, float]] = []  # (position, level, fill)
        while i < len(events) and used.plus(costs[i]).within(LIMIT):
            used = used.plus(costs[i])
            i += 1
            level = _cut_level(events[i - 1], events[i], hold_left[i]) if i < len(events) else None
            if level is not None:
                candidates.append((i, level, used.fill(LIMIT)))
        if i == len(events):
            chunks.append(_Chunk("step", tuple(events[start:]), start == 0, None, hold_left[start]))
            break
        if not candidates:
            raise PackingError(f"step {events[start].step}: no place to cut within the turn limits")
        full = [c for c in candidates if c[2] >= MIN_TURN_FILL]
        cut, level, _ = min(full, key=lambda c: (c[1], -c[0])) if full else candidates[-1]
        chunks.append(_Chunk("step", tuple(events[start:cut]), start == 0, level, hold_left[start]))
        start = cut
    return chunks


def _combine(packer: _Packer, chunks: list[_Chunk]) -> list[list[_Chunk]]:
    """Group consecutive whole-step chunks that together stay short and within every limit."""
    groups: list[list[_Chunk]] = []
    frame = packer.frame
    prompt_seconds = packer.spoken(phrases(COPY).say("prompt_next")).seconds

    def whole(chunk: _Chunk) -> bool:
        return chunk.section == "step" and chunk.starts_step and chunk.ends is None

    for chunk in chunks:
        last = groups[-1] if groups else None
        if last is not None and whole(chunk) and all(whole(c) for c in last):
            merged = frame
            for e in (e for c in (*last, chunk) for e in c.events):
                merged = merged.plus(packer.cost(e))
            planned = merged.seconds - frame.seconds + prompt_seconds
            if merged.within(LIMIT) and planned <= COMBINE_MAX_SECONDS:
                last.append(chunk)
                continue
        groups.append([chunk])
    return groups


def _opener(packer: _Packer, chunk: _Chunk, previous: _Chunk | None) -> list[Event]:
    """The first words of a turn that picks up a hold or a set where the last turn stopped."""
    if previous is None or previous.ends not in (_REP, _HOLD) or chunk.starts_step:
        return []
    first = chunk.events[0]
    book = phrases(COPY)
    if previous.ends == _HOLD:
        words = book.say("continue_hold", None, remaining=spoken_duration(chunk.hold_left))
    else:
        words = book.say("continue_reps")
    seconds = speech_seconds(words, packer.pace.rate_percent)
    return [
        Speech(
            words,
            "continue",
            seconds,
            section="step",
            step=first.step,
            side=first.side,
            rep=first.rep,
        )
    ]


def pack_turns(
    events: Sequence[Event], pace: Pace, *, audio_base_url: str | None = None
) -> list[Turn]:
    """Cut a timeline into turns (see the module docstring); sounds are dropped without audio."""
    packer = _Packer(pace, audio_base_url)
    kept = [e for e in events if audio_base_url is not None or not isinstance(e, Sound)]
    kept = _split_pauses(kept)
    chunks: list[_Chunk] = []
    sections: dict[tuple[str, int | None], list[Event]] = {}
    for event in kept:
        sections.setdefault((event.section, event.step), []).append(event)
    for (section, _), section_events in sections.items():
        if section == "step":
            chunks.extend(_split_step(packer, section_events))
        else:
            chunks.append(_Chunk(section, tuple(section_events), True, None))
    turns: list[Turn] = []
    previous: _Chunk | None = None
    for group in _combine(packer, chunks):
        head, tail = group[0], group[-1]
        body_events = [*_opener(packer, head, previous), *(e for c in group for e in c.events)]
        turns.append(_turn(packer, len(turns), head, tail, body_events))
        previous = tail
    return turns


_PROMPTS: Final = {
    "intro": ("prompt_intro", "reprompt_next"),
    None: ("prompt_next", "reprompt_next"),
    _SIDE: ("prompt_side", "reprompt_side"),
    _REP: ("prompt_paused", "reprompt_paused"),
    _HOLD: ("prompt_hold", "reprompt_hold"),
}


def _turn(packer: _Packer, index: int, head: _Chunk, tail: _Chunk, events: list[Event]) -> Turn:
    book = phrases(COPY)
    if head.section == "closing":
        kind: TurnKind = "closing"
        prompt_words = reprompt_words = ""
    else:
        kind = "intro" if head.section == "intro" else ("step" if head.starts_step else "continue")
        keys = _PROMPTS["intro" if kind == "intro" else tail.ends]
        prompt_words, reprompt_words = book.say(keys[0]), book.say(keys[1])
    steps = tuple(sorted({e.step for e in events if e.step is not None}))
    prompt_seconds = speech_seconds(prompt_words, packer.pace.rate_percent) if prompt_words else 0.0
    turn = Turn(
        index=index,
        step=head.step,
        kind=kind,
        body=packer.render(events),
        prompt=packer.say(prompt_words),
        reprompt=packer.say(reprompt_words),
        planned_seconds=round(sum(e.seconds for e in events) + prompt_seconds, 3),
        steps=steps,
        events=tuple(events),
    )
    problems = check(
        turn.ssml,
        max_chars=LIMIT.chars,
        max_audio_tags=LIMIT.audio_tags,
        sound_seconds=SOUND_SECONDS,
        max_audio_seconds=LIMIT.audio_seconds,
    )
    if _json_bytes(turn.ssml) > LIMIT.bytes:
        problems.append(f"about {_json_bytes(turn.ssml)} bytes, over {LIMIT.bytes}")
    if problems:
        raise PackingError(f"turn {index}: " + "; ".join(problems))
    return turn


T = TypeVar("T")


class _Same(Generic[T]):
    """A cache key that is equal only to the very same object (catalogues are not hashable)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value


def build_session(
    catalogue: Catalogue,
    routine_id: str,
    *,
    profile: str,
    pace: str = "normal",
    verbosity: str = "full",
    screened_yes: bool = False,
    avoid_directions: Collection[str] = (),
    gentler: bool = False,
    audio_base_url: str | None = None,
) -> Session:
    """The session one user hears for `routine_id`: the safety-filtered plan for `profile` (with
    screening, avoided directions and the gentler rule applied) cut into turns at `pace` and
    `verbosity`, with sounds when `audio_base_url` is given. Deterministic and cached on the
    catalogue object and every input. KeyError for an unknown routine, ValueError for a bad option.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    pace_named(pace)
    if verbosity not in VERBOSITIES:
        raise ValueError(f"unknown verbosity {verbosity!r}; choose one of {', '.join(VERBOSITIES)}")
    if routine_id not in catalogue.routines:
        raise KeyError(f"unknown routine {routine_id!r}")
    directions = tuple(sorted({Direction(d).value for d in avoid_directions}))
    base = audio_base_url.rstrip("/") if audio_base_url else None
    plan, turns = _build(
        _Same(catalogue),
        routine_id,
        profile,
        pace,
        verbosity,
        screened_yes,
        directions,
        gentler,
        base,
    )
    return Session(routine_id, profile, pace, verbosity, list(plan), list(turns))


@lru_cache(maxsize=SESSION_CACHE_SIZE)
def _build(
    catalogue: _Same[Catalogue],
    routine_id: str,
    profile: str,
    pace: str,
    verbosity: str,
    screened_yes: bool,
    avoid_directions: tuple[str, ...],
    gentler: bool,
    audio_base_url: str | None,
) -> tuple[tuple[PlannedStep, ...], tuple[Turn, ...]]:
    routine = catalogue.value.routines[routine_id]
    plan = plan_steps(
        routine,
        catalogue.value.poses,
        profile,
        screened_yes=screened_yes,
        avoid_directions=avoid_directions,
        gentler=gentler,
    )
    events = build_timeline(routine, plan, pace, verbosity, rng_seed=routine_id)
    turns = pack_turns(events, pace_named(pace), audio_base_url=audio_base_url)
    return tuple(plan), tuple(turns)
