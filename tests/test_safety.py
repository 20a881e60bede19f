"""The check-in thresholds table, score hygiene and the trend, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.records import CheckinRecord
from skill.safety import (
    HIGH_PAIN_SCORE,
    Finding,
    assess,
    parse_score,
    trend,
    urgent_screen_due,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("7", 7),
        ("10", 10),
        ("11", None),
        ("-3", None),
        ("4.5", None),
        ("banana", None),
        ("", None),
        (None, None),
        ("?", None),
        (" 5 ", 5),
        ("007", None),
    ],
)
def test_only_whole_numbers_from_zero_to_ten_are_pain_scores(
    raw: str | None, expected: int | None
) -> None:
    assert parse_score(raw) == expected


def checkin(**scores: object) -> Finding:
    values: dict[str, object] = {
        "pre_back": None,
        "pre_leg": None,
        "post_back": None,
        "post_leg": None,
        "leg_trend": None,
        "new_numbness": False,
    }
    values.update(scores)
    return assess(**values).finding  # type: ignore[arg-type]


def test_a_two_point_rise_in_back_pain_makes_the_next_session_gentler() -> None:
    result = assess(
        pre_back=3, pre_leg=2, post_back=5, post_leg=2, leg_trend="same", new_numbness=False
    )
    assert result.finding is Finding.WORSE and result.gentler_next


def test_a_one_point_rise_is_within_measurement_error() -> None:
    assert checkin(pre_back=3, post_back=4, leg_trend="same") is Finding.STEADY


def test_an_after_score_at_the_high_threshold_counts_as_worse_even_without_a_rise() -> None:
    assert checkin(pre_back=HIGH_PAIN_SCORE, post_back=HIGH_PAIN_SCORE) is Finding.WORSE
    assert checkin(pre_back=5, post_back=5) is Finding.STEADY


def test_thirty_percent_lower_is_favourable_even_below_two_points() -> None:
    assert checkin(pre_leg=3, post_leg=2) is Finding.FAVOURABLE  # 33% lower, one point
    assert checkin(pre_leg=5, post_leg=4) is Finding.STEADY  # 20% lower, one point


def test_symptoms_closer_to_the_back_are_favourable() -> None:
    assert checkin(pre_back=4, post_back=4, leg_trend="closer") is Finding.FAVOURABLE


def test_leg_symptoms_further_down_outrank_lower_scores() -> None:
    result = assess(
        pre_back=6, pre_leg=6, post_back=2, post_leg=2, leg_trend="further", new_numbness=False
    )
    assert result.finding is Finding.FURTHER_DOWN and result.gentler_next
    assert not result.favourable


def test_new_numbness_outranks_everything_and_suggests_a_clinician() -> None:
    result = assess(
        pre_back=6, pre_leg=6, post_back=2, post_leg=2, leg_trend="closer", new_numbness=True
    )
    assert result.finding is Finding.NEW_NUMBNESS and result.suggest_clinician


def test_three_worse_sessions_in_a_row_suggest_a_clinician_and_stop_progressing() -> None:
    second = assess(
        pre_back=2,
        pre_leg=2,
        post_back=4,
        post_leg=2,
        leg_trend="same",
        new_numbness=False,
        worse_streak=1,
    )
    assert not second.suggest_clinician
    third = assess(
        pre_back=2,
        pre_leg=2,
        post_back=4,
        post_leg=2,
        leg_trend="same",
        new_numbness=False,
        worse_streak=2,
    )
    assert third.suggest_clinician and not third.progress and third.worse_streak == 3


def test_two_favourable_sessions_in_a_row_allow_slow_progression() -> None:
    first = assess(
        pre_back=5, pre_leg=5, post_back=3, post_leg=5, leg_trend="same", new_numbness=False
    )
    assert first.favourable and not first.progress
    second = assess(
        pre_back=5,
        pre_leg=5,
        post_back=3,
        post_leg=5,
        leg_trend="same",
        new_numbness=False,
        favourable_streak=first.favourable_streak,
    )
    assert second.progress


def record(days_ago: int, back: int | None, leg: int | None = None) -> CheckinRecord:
    return CheckinRecord(
        at=NOW - timedelta(days=days_ago),
        routine_id="morning-five",
        profile="disc",
        pace="normal",
        pre_back=None,
        pre_leg=None,
        post_back=back,
        post_leg=leg,
        leg_trend="same",
        new_numbness=False,
    )


def test_three_weeks_without_improvement_suggest_a_gp_or_physiotherapist() -> None:
    history = [record(22, 5), record(12, 5), record(2, 5)]
    result = assess(
        pre_back=5,
        pre_leg=None,
        post_back=5,
        post_leg=None,
        leg_trend="same",
        new_numbness=False,
        history=history,
        now=NOW,
    )
    assert result.no_improvement and result.suggest_clinician


def test_improvement_over_three_weeks_is_not_flagged() -> None:
    history = [record(22, 6), record(12, 5), record(2, 3)]
    result = assess(
        pre_back=4,
        pre_leg=None,
        post_back=3,
        post_leg=None,
        leg_trend="same",
        new_numbness=False,
        history=history,
        now=NOW,
    )
    assert not result.no_improvement


def test_the_trend_reports_first_and_latest_after_scores_within_the_window() -> None:
    found = trend([record(40, 9), record(14, 6), record(7, 5), record(0, 4, 2)], NOW)
    assert found is not None
    assert found.back == (6, 4) and found.days == 14 and found.sessions == 3
    assert found.leg is None


def test_no_trend_from_a_single_session() -> None:
    assert trend([record(1, 5)], NOW) is None


def test_urgent_questions_come_back_after_a_week() -> None:
    assert urgent_screen_due(None, NOW)
    assert not urgent_screen_due(NOW - timedelta(days=6), NOW)
    assert urgent_screen_due(NOW - timedelta(days=7), NOW)
