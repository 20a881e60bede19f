"""Typed state: what the skill remembers about a user, and where a conversation stands.

`UserState` lives in persistent attributes (through the store); `SessionState` in session
attributes, turn to turn. Neither mirrors the other. Both carry a schema version and convert to
plain JSON-able dicts at the boundary.
"""

from __future__ import annotations

import types
from collections.abc import Collection
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from skill.choices import PACES, PROFILES, VERBOSITIES

USER_SCHEMA_VERSION = 1
SESSION_SCHEMA_VERSION = 1
#: Stages that only make sense with a routine under way.
ROUTINE_STAGES = frozenset(
    {
        "routine",
        "symptom",
        "screening",
        "precheck_redflag",
        "pre_back",
        "pre_leg",
        "check_back",
        "check_leg",
        "check_trend",
        "check_numbness",
        "check_redflags",
        "check_redflag_brief",
    }
)
DIRECTIONS = ("flexion", "extension", "rotation", "neutral", "nerve-glide", "inversion")


def _fits(value: Any, hint: Any) -> bool:
    """Whether a stored value has the declared type (attributes can arrive corrupted)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_fits(value, option) for option in get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if origin is dict:
        key, item = get_args(hint)
        return isinstance(value, dict) and all(
            _fits(k, key) and _fits(v, item) for k, v in value.items()
        )
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    return False


@cache
def _field_specs(cls: type) -> tuple[tuple[Field[Any], Any], ...]:
    """Each dataclass field with its resolved type hint (resolved once per class)."""
    hints = get_type_hints(cls)
    return tuple((spec, hints[spec.name]) for spec in fields(cls))


def _typed_values(cls: type, data: Any) -> dict[str, Any] | None:
    """The fields of `data` that have their declared types; None when a required one doesn't.

    Fields with a wrong type fall back to their defaults, so a corrupted attribute can never
    crash a turn.
    """
    if not isinstance(data, dict):
        data = {}
    values: dict[str, Any] = {}
    for spec, hint in _field_specs(cls):
        value = data.get(spec.name, MISSING)
        if spec.name == "resume":
            values["resume"] = ResumePoint.from_dict(value)
        elif value is not MISSING and _fits(value, hint):
            values[spec.name] = (
                list(value)
                if isinstance(value, list)
                else (dict(value) if isinstance(value, dict) else value)
            )
        elif spec.default is MISSING and spec.default_factory is MISSING:
            return None
    return values


@dataclass
class ResumePoint:
    """Where an unfinished routine stopped, and how it was being done."""

    routine_id: str
    turn: int
    at: str  # ISO 8601 UTC
    pace: str = "normal"
    verbosity: str = "full"
    screened_yes: bool = False
    gentler: bool = False
    avoid_directions: list[str] = field(default_factory=list)
    pre_back: int | None = None  # kept only with the user's consent to remember ratings
    pre_leg: int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> ResumePoint | None:
        """A resume point from stored data, or None when it is missing or unusable."""
        values = _typed_values(cls, data)
        return None if values is None else cls(**values)


@dataclass
class UserState:
    """What the skill remembers about one user between sessions."""

    disclaimer_at: str | None = None
    #: Consent to remember pain ratings: None = not asked yet.
    consent: bool | None = None
    profile: str | None = None
    #: Set when the user reported an emergency red flag and has not yet said they were seen.
    emergency_pending: str | None = None
    #: Set when an urgent-tier answer stopped a session and the user has not yet confirmed
    #: they contacted a doctor.
    urgent_pending: str | None = None
    redflags_screened_at: str | None = None
    urgent_screened_at: str | None = None
    #: Routine id -> True when any screening question was answered yes.
    screening: dict[str, bool] = field(default_factory=dict)
    #: Movement directions dropped because leg symptoms spread with them.
    avoid_directions: list[str] = field(default_factory=list)
    pace: str = "normal"
    verbosity: str = "full"
    resume: ResumePoint | None = None
    sessions_completed: int = 0
    last_routine: str | None = None
    # Adaptation derived from ratings: kept only with consent.
    gentler_next: bool = False
    worse_streak: int = 0
    favourable_streak: int = 0
    further_streak: int = 0
    schema_version: int = USER_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> UserState:
        """Build from stored attributes; unknown keys are ignored, mistyped ones defaulted."""
        state = cls(**(_typed_values(cls, data) or {}))
        state.schema_version = USER_SCHEMA_VERSION
        state.sanitize()
        return state

    def sanitize(self) -> None:
        """Drop values outside their allowed sets."""
        if self.profile not in PROFILES:
            self.profile = None
        self.pace = self.pace if self.pace in PACES else "normal"
        self.verbosity = self.verbosity if self.verbosity in VERBOSITIES else "full"
        self.avoid_directions = [d for d in self.avoid_directions if d in DIRECTIONS]

    def forget_adaptation(self) -> None:
        """Drop everything derived from pain ratings (used when consent is off)."""
        self.gentler_next = False
        self.worse_streak = self.favourable_streak = self.further_streak = 0
        if self.resume is not None:
            self.resume.pre_back = self.resume.pre_leg = None


@dataclass
class SessionState:
    """Where this conversation stands: the stage, the question, the routine position."""

    stage: str = "start"
    question: int = 0
    retries: int = 0
    routine_id: str | None = None
    turn: int = 0
    pace: str = "normal"
    verbosity: str = "full"
    screened_yes: bool = False
    gentler: bool = False
    avoid_directions: list[str] = field(default_factory=list)
    pending_routine: str | None = None
    resume_turn: int | None = None
    return_stage: str | None = None
    asked_redflags: bool = False
    #: Pre-session checks already done this session (screening, red flags, urgent, scores).
    checks_done: list[str] = field(default_factory=list)
    pre_back: int | None = None
    pre_leg: int | None = None
    post_back: int | None = None
    post_leg: int | None = None
    leg_trend: str | None = None
    numbness: bool | None = None
    schema_version: int = SESSION_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SessionState:
        """Build from session attributes; unknown keys are ignored, mistyped ones defaulted."""
        return cls(**(_typed_values(cls, data) or {}))

    def sanitize(self, routines: Collection[str]) -> None:
        """Forget references to routines that don't exist and values outside their sets."""
        if self.routine_id is not None and self.routine_id not in routines:
            self.clear_routine()
            self.stage = "start"
        if self.routine_id is None and self.stage in ROUTINE_STAGES:
            self.stage = "start"
        if self.pending_routine is not None and self.pending_routine not in routines:
            self.pending_routine = None
        self.pace = self.pace if self.pace in PACES else "normal"
        self.verbosity = self.verbosity if self.verbosity in VERBOSITIES else "full"
        self.avoid_directions = [d for d in self.avoid_directions if d in DIRECTIONS]
        self.question = max(0, self.question)
        self.turn = max(0, self.turn)

    def clear_routine(self) -> None:
        """Forget the routine position and every score of this session."""
        fresh = SessionState()
        for name in (
            "routine_id",
            "turn",
            "screened_yes",
            "gentler",
            "pending_routine",
            "resume_turn",
            "pre_back",
            "pre_leg",
            "post_back",
            "post_leg",
            "leg_trend",
            "numbness",
            "checks_done",
            "question",
            "retries",
        ):
            setattr(self, name, getattr(fresh, name))


def iso(moment: datetime) -> str:
    return moment.isoformat()
