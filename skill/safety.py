"""Pain check-in rules: score hygiene, the thresholds table, and how the next session adapts.

Pure functions over plain values (clinical-safety doc, sections 4-5). Thresholds are named
settings; the ones marked INFERENCE are reasoned from the sources, not stated by them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from skill.plan import PlannedStep
from skill.records import CheckinRecord
from skill.schema import Direction

#: NPRS change that is both measurement error and the minimal important change [52][53].
MIN_IMPORTANT_CHANGE = 2
#: Relative change that counts as meaningful [54].
RELATIVE_CHANGE = 0.30
#: An after-session score at or above this makes the next session gentler.
HIGH_PAIN_SCORE = 6
#: Sessions in a row that got worse before suggesting a clinician and stopping progression.
WORSE_STREAK_FOR_CLINICIAN = 3
#: Sessions in a row with leg symptoms "further down" before suggesting a clinician. INFERENCE.
FURTHER_STREAK_FOR_CLINICIAN = 2
#: Favourable sessions in a row before suggesting the next step up. INFERENCE.
FAVOURABLE_STREAK_TO_PROGRESS = 2
#: No improvement over about this long suggests a GP or physiotherapist [37].
NO_IMPROVEMENT_WINDOW = timedelta(days=21)
#: Urgent-tier questions come at onboarding and again after this long. INFERENCE.
URGENT_SCREEN_INTERVAL = timedelta(days=7)
#: An unfinished routine is offered for resuming for this long.
RESUME_WINDOW = timedelta(days=7)
#: Window for the spoken trend.
TREND_WINDOW = timedelta(days=28)

SCORE_MIN, SCORE_MAX = 0, 10


def parse_score(raw: str | None) -> int | None:
    """A pain score from an AMAZON.NUMBER slot: a whole number 0-10, else None.

    Decimals, words, negative or out-of-range numbers and empty values give None: the caller
    re-asks once and then moves on without storing anything invented.
    """
    if raw is None:
        return None
    value = raw.strip()
    if not re.fullmatch(r"\d{1,2}", value):
        return None
    score = int(value)
    return score if SCORE_MIN <= score <= SCORE_MAX else None


def _changed(before: int | None, after: int | None, *, worse: bool) -> bool:
    if before is None or after is None:
        return False
    delta = after - before if worse else before - after
    if delta >= MIN_IMPORTANT_CHANGE:
        return True
    return not worse and before > 0 and delta / before >= RELATIVE_CHANGE and delta > 0


class Finding(StrEnum):
    """The first matching row of the thresholds table, most serious first."""

    NEW_NUMBNESS = "new_numbness"  # stop; same-day clinician
    FURTHER_DOWN = "further_down"  # drop that direction next time
    WORSE = "worse"  # next session gentler
    FAVOURABLE = "favourable"  # keep the direction, progress slowly
    STEADY = "steady"


@dataclass(frozen=True)
class Assessment:
    """What the check-in found and what should change next time."""

    finding: Finding
    worse: bool
    favourable: bool
    further_down: bool
    suggest_clinician: bool
    gentler_next: bool
    progress: bool
    no_improvement: bool
    worse_streak: int
    further_streak: int
    favourable_streak: int


def assess(
    *,
    pre_back: int | None,
    pre_leg: int | None,
    post_back: int | None,
    post_leg: int | None,
    leg_trend: str | None,
    new_numbness: bool | None,
    worse_streak: int = 0,
    further_streak: int = 0,
    favourable_streak: int = 0,
    history: Sequence[CheckinRecord] = (),
    now: datetime | None = None,
) -> Assessment:
    """Apply the thresholds table to one check-in, given the streaks before it."""
    further = leg_trend == "further"
    worse = (
        _changed(pre_back, post_back, worse=True)
        or _changed(pre_leg, post_leg, worse=True)
        or any(s is not None and s >= HIGH_PAIN_SCORE for s in (post_back, post_leg))
    )
    favourable = (
        not worse
        and not further
        and (
            _changed(pre_back, post_back, worse=False)
            or _changed(pre_leg, post_leg, worse=False)
            or leg_trend == "closer"
        )
    )
    worse_session = worse or further
    new_worse_streak = worse_streak + 1 if worse_session else 0
    new_further_streak = further_streak + 1 if further else 0
    new_favourable_streak = favourable_streak + 1 if favourable else 0
    no_improvement = _no_improvement(history, now)
    if new_numbness:
        finding = Finding.NEW_NUMBNESS
    elif further:
        finding = Finding.FURTHER_DOWN
    elif worse:
        finding = Finding.WORSE
    elif favourable:
        finding = Finding.FAVOURABLE
    else:
        finding = Finding.STEADY
    suggest_clinician = (
        bool(new_numbness)
        or new_worse_streak >= WORSE_STREAK_FOR_CLINICIAN
        or new_further_streak >= FURTHER_STREAK_FOR_CLINICIAN
        or no_improvement
    )
    return Assessment(
        finding=finding,
        worse=worse,
        favourable=favourable,
        further_down=further,
        suggest_clinician=suggest_clinician,
        gentler_next=worse_session,
        progress=(
            new_favourable_streak >= FAVOURABLE_STREAK_TO_PROGRESS
            and new_worse_streak < WORSE_STREAK_FOR_CLINICIAN
        ),
        no_improvement=no_improvement,
        worse_streak=new_worse_streak,
        further_streak=new_further_streak,
        favourable_streak=new_favourable_streak,
    )


def _no_improvement(history: Sequence[CheckinRecord], now: datetime | None) -> bool:
    """True when check-ins span about three weeks and the latest is no better than the first."""
    scored = [r for r in history if r.post_back is not None or r.post_leg is not None]
    if len(scored) < 3 or now is None:
        return False
    first, last = scored[0], scored[-1]
    if now - first.at < NO_IMPROVEMENT_WINDOW:
        return False
    better = _changed(first.post_back, last.post_back, worse=False) or _changed(
        first.post_leg, last.post_leg, worse=False
    )
    return not better


def dominant_direction(plan: Sequence[PlannedStep]) -> str | None:
    """The movement direction a session leaned on most (neutral poses don't count)."""
    counts = Counter(
        s.pose.direction.value for s in plan if s.pose.direction is not Direction.NEUTRAL
    )
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def urgent_screen_due(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= URGENT_SCREEN_INTERVAL


@dataclass(frozen=True)
class Trend:
    """Back and leg pain after sessions, from the first to the latest check-in in the window."""

    sessions: int
    days: int
    back: tuple[int, int] | None
    leg: tuple[int, int] | None


def trend(history: Sequence[CheckinRecord], now: datetime) -> Trend | None:
    """The after-session trend over the recent window, or None without two scored sessions."""
    recent = [r for r in history if now - r.at <= TREND_WINDOW]
    backs = [(r.at, r.post_back) for r in recent if r.post_back is not None]
    legs = [(r.at, r.post_leg) for r in recent if r.post_leg is not None]
    if len(backs) < 2 and len(legs) < 2:
        return None
    firsts = [pairs[0][0] for pairs in (backs, legs) if len(pairs) >= 2]
    days = max(1, (now - min(firsts)).days)
    return Trend(
        sessions=len(recent),
        days=days,
        back=(backs[0][1], backs[-1][1]) if len(backs) >= 2 else None,
        leg=(legs[0][1], legs[-1][1]) if len(legs) >= 2 else None,
    )
