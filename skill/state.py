"""Typed state: what the skill remembers about a user, and where a conversation stands.

`UserState` lives in persistent attributes (through the store); `SessionState` in session
attributes, turn to turn. Neither mirrors the other. Both carry a schema version and convert to
plain JSON-able dicts at the boundary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

USER_SCHEMA_VERSION = 1
SESSION_SCHEMA_VERSION = 1


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


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
    def from_dict(cls, data: dict[str, Any]) -> ResumePoint:
        values = _known(cls, data)
        values["turn"] = _int(values.get("turn"))
        return cls(**values)


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
    def from_dict(cls, data: dict[str, Any] | None) -> UserState:
        """Build from stored attributes; unknown keys are ignored, numbers normalised."""
        values = _known(cls, dict(data or {}))
        resume = values.get("resume")
        values["resume"] = ResumePoint.from_dict(resume) if isinstance(resume, dict) else None
        for name in ("sessions_completed", "worse_streak", "favourable_streak", "further_streak"):
            values[name] = _int(values.get(name))
        values["schema_version"] = USER_SCHEMA_VERSION
        values["screening"] = dict(values.get("screening") or {})
        values["avoid_directions"] = list(values.get("avoid_directions") or [])
        return cls(**values)

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
    def from_dict(cls, data: dict[str, Any] | None) -> SessionState:
        values = _known(cls, dict(data or {}))
        for name in ("question", "retries", "turn"):
            values[name] = _int(values.get(name))
        values["avoid_directions"] = list(values.get("avoid_directions") or [])
        values["checks_done"] = list(values.get("checks_done") or [])
        return cls(**values)

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
