"""The routine and pose schema: one pydantic model per YAML section, unknown keys rejected.

Field validators carry the single-file rules; cross-file rules (ids, references, aliases,
durations) live in `skill.catalogue`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    field_validator,
    model_validator,
)

from skill.choices import PROFILES

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

MIN_HOLD_SECONDS = 5
MAX_HOLD_SECONDS = 900
MIN_PER_REP_SECONDS = 2
MAX_PER_REP_SECONDS = 30
MAX_REPS = 30
MAX_REST_SECONDS = 120
MAX_CUE_CHARS = 300

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$")


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as `30s`, `90`, `1.5m`, `5 min`."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30s or 5m, not true/false")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(
                f"{value!r} is not a duration; write seconds (30 or 30s) or minutes (5m)"
            )
        number, unit = float(match.group(1)), (match.group(2) or "s")
        seconds = number * 60 if unit.startswith("m") else number
    else:
        raise ValueError("must be a duration such as 30s or 5m")
    if seconds < 0:
        raise ValueError("must not be negative")
    return seconds


def _between(low: float, high: float) -> Callable[[float], float]:
    def check(seconds: float) -> float:
        if not low <= seconds <= high:
            raise ValueError(f"must be between {low:g} and {high:g} seconds")
        return seconds

    return check


HoldSeconds = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_between(MIN_HOLD_SECONDS, MAX_HOLD_SECONDS)),
]
RepSeconds = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_between(MIN_PER_REP_SECONDS, MAX_PER_REP_SECONDS)),
]
RestSeconds = Annotated[
    float, BeforeValidator(parse_duration), AfterValidator(_between(0, MAX_REST_SECONDS))
]
Identifier = Annotated[str, Field(pattern=ID_PATTERN, min_length=2, max_length=64)]
Cue = Annotated[str, Field(min_length=2, max_length=MAX_CUE_CHARS)]
SpokenName = Annotated[str, Field(min_length=2, max_length=80)]


class Direction(StrEnum):
    FLEXION = "flexion"
    EXTENSION = "extension"
    ROTATION = "rotation"
    NEUTRAL = "neutral"
    NERVE_GLIDE = "nerve-glide"
    INVERSION = "inversion"


class Sides(StrEnum):
    NONE = "none"  # symmetrical: done once
    BOTH = "both"  # one side, then the other
    ALTERNATE = "alternate"  # reps alternate left and right


class Breath(StrEnum):
    SLOW = "slow"  # guided slow breathing: in for four, out for six (scaled by pace)
    NATURAL = "natural"  # occasional reminders to breathe freely
    WITH_MOVEMENT = "with-movement"  # each rep rides one breath


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Modify(_Strict):
    """Verdict `modify`: the named variant pose replaces this one for the profile."""

    modify: Identifier


def parse_verdict(value: object) -> Literal["allow", "avoid"] | Modify:
    """`allow`, `avoid`, or `{modify: <variant pose id>}`, with one clear message otherwise."""
    if value == "allow":
        return "allow"
    if value == "avoid":
        return "avoid"
    if isinstance(value, dict):
        return Modify.model_validate(value)
    if isinstance(value, Modify):
        return value
    raise ValueError("must be allow, avoid, or {modify: <variant pose id>}")


Verdict = Annotated[Literal["allow", "avoid"] | Modify, PlainValidator(parse_verdict)]


class Dose(_Strict):
    """A static hold (`hold`) or a counted movement (`per_rep`), repeated `reps` times."""

    hold: HoldSeconds | None = None
    per_rep: RepSeconds | None = None
    reps: int = Field(default=1, ge=1, le=MAX_REPS)
    rest: RestSeconds = 0.0

    @model_validator(mode="after")
    def _one_kind(self) -> Dose:
        if (self.hold is None) == (self.per_rep is None):
            raise ValueError("give exactly one of hold (a static hold) or per_rep (a movement)")
        return self

    @property
    def is_hold(self) -> bool:
        return self.hold is not None

    @property
    def seconds_per_rep(self) -> float:
        return self.hold if self.hold is not None else (self.per_rep or 0.0)


class Pose(_Strict):
    """One pose of the library, with its per-profile verdicts and its spoken cues."""

    id: Identifier
    name: SpokenName
    aliases: list[SpokenName] = Field(default_factory=list)
    direction: Direction
    verdicts: dict[Literal["disc", "stenosis", "unsure"], Verdict]
    setup: list[Cue] = Field(min_length=1)
    hold_cues: list[Cue] = Field(default_factory=list)
    safety_cue: Cue
    release: Cue
    sides: Sides = Sides.NONE
    dose: Dose
    breath: Breath = Breath.NATURAL
    variant_of: Identifier | None = None

    @field_validator("verdicts")
    @classmethod
    def _every_profile_has_a_verdict(cls, verdicts: dict[str, Verdict]) -> dict[str, Verdict]:
        missing = [p for p in PROFILES if p not in verdicts]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return verdicts


class ScreeningQuestion(_Strict):
    id: Identifier
    ask: Cue


class Screening(_Strict):
    """Questions asked once before first use; any yes swaps poses for safer ones."""

    questions: list[ScreeningQuestion] = Field(min_length=1)
    if_any_yes: str = Field(min_length=2, max_length=MAX_CUE_CHARS)
    replace: dict[Identifier, Identifier] = Field(min_length=1)


class Step(_Strict):
    """One pose in a routine, with optional dose overrides and a rest after it."""

    pose: Identifier
    hold: HoldSeconds | None = None
    per_rep: RepSeconds | None = None
    reps: int | None = Field(default=None, ge=1, le=MAX_REPS)
    rest: RestSeconds | None = None
    note: Cue | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        if self.hold is not None and self.per_rep is not None:
            raise ValueError("give hold or per_rep, not both")
        return self


class Routine(_Strict):
    """A scripted session. The end-of-session pain check-in is implicit and always runs."""

    id: Identifier
    title: SpokenName
    aliases: list[SpokenName] = Field(default_factory=list)
    summary: Cue
    suits: Cue
    screening: Screening | None = None
    intro: list[Cue] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1, max_length=40)
    closing: list[Cue] = Field(min_length=1)
