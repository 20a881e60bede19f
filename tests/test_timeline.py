"""The timeline says the right things in the right order, and times holds, breaths and reps."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.phrases import phrases
from skill.plan import PlannedStep
from skill.schema import Pose, Routine
from skill.timeline import Event, Pause, Speech, build_timeline
from skill.timing import PACES, Span, pace_named, speech_seconds, spoken_duration

COPY = phrases("pacing")


def make_pose(**fields: Any) -> Pose:
    data: dict[str, Any] = {
        "id": "test-pose",
        "name": "Test pose",
        "direction": "neutral",
        "verdicts": {"disc": "allow", "stenosis": "allow", "unsure": "allow"},
        "setup": ["Lie on your back."],
        "safety_cue": "Ease off if anything hurts.",
        "release": "Relax.",
        "dose": {"hold": 45},
        "breath": "slow",
    }
    data.update(fields)
    return Pose.model_validate(data)


def make_step(pose: Pose, index: int = 0, **fields: Any) -> PlannedStep:
    dose = pose.dose
    values: dict[str, Any] = {
        "index": index,
        "requested": pose.id,
        "pose": pose,
        "hold": dose.hold,
        "per_rep": dose.per_rep,
        "reps": dose.reps,
        "rest": 0.0,
    }
    values.update(fields)
    return PlannedStep(**values)


def make_routine(*pose_ids: str) -> Routine:
    return Routine.model_validate(
        {
            "id": "test-routine",
            "title": "Test routine",
            "summary": "A routine for tests.",
            "suits": "Tests.",
            "intro": ["Welcome to the test."],
            "steps": [{"pose": p} for p in pose_ids or ("test-pose",)],
            "closing": ["That's the end of the test."],
        }
    )


def timeline(*steps: PlannedStep, pace: str = "normal", verbosity: str = "full") -> list[Event]:
    routine = make_routine(*(s.requested for s in steps))
    return build_timeline(routine, list(steps), pace, verbosity)


def spoken(events: list[Event], kind: str | None = None) -> list[str]:
    return [e.text for e in events if isinstance(e, Speech) and (kind is None or e.kind == kind)]


def holds(events: list[Event]) -> dict[tuple[int | None, int | None, int | None], list[Event]]:
    """The events of each hold, keyed by (step, side, rep)."""
    out: dict[tuple[int | None, int | None, int | None], list[Event]] = defaultdict(list)
    for e in events:
        if e.is_hold:
            out[(e.step, e.side, e.rep)].append(e)
    return out


def starts(events: list[Event]) -> list[tuple[float, Event]]:
    """Each event with its start time from the beginning of `events`."""
    out, clock = [], 0.0
    for e in events:
        out.append((clock, e))
        clock += e.seconds
    return out


def position(events: list[Event], event: Event) -> int:
    """Where this very event stands (equal events can recur, so not `list.index`)."""
    return next(i for i, e in enumerate(events) if e is event)


def alternatives(key: str) -> set[str]:
    return set(COPY.alternatives(key))


# ---- holds at normal pace ----


def test_a_45_second_hold_breathes_about_four_cycles_of_four_in_and_six_out() -> None:
    (hold,) = holds(timeline(make_step(make_pose()))).values()
    timed = starts(hold)
    ins = [t for t, e in timed if isinstance(e, Speech) and e.kind == "breath-in"]
    outs = [t for t, e in timed if isinstance(e, Speech) and e.kind == "breath-out"]
    assert len(ins) == len(outs) == 4
    assert [o - i for i, o in zip(ins, outs, strict=True)] == pytest.approx([4.0] * 4)
    assert sum(e.seconds for e in hold) == pytest.approx(45, abs=0.01)


def test_a_45_second_hold_says_halfway_ten_seconds_left_and_counts_down_to_release() -> None:
    events = timeline(make_step(make_pose()))
    (hold,) = holds(events).values()
    time_cues = [(t, e.text) for t, e in starts(hold) if isinstance(e, Speech) and e.kind == "time"]
    texts = [text for _, text in time_cues]
    assert texts[0] in alternatives("halfway")
    assert texts[1] in alternatives("ten_seconds_left")
    assert texts[2:] == ["Three,", "two,", "one,"]
    assert [t for t, _ in time_cues[2:]] == pytest.approx([42, 43, 44])
    after_hold = events[position(events, hold[-1]) + 1]
    assert isinstance(after_hold, Speech) and after_hold.text == "and release."


def test_slow_and_brisk_paces_scale_the_hold_and_the_breath_cadence() -> None:
    seconds, per_minute, inhale = {}, {}, {}
    for pace in ("slow", "normal", "brisk"):
        (hold,) = holds(timeline(make_step(make_pose()), pace=pace)).values()
        timed = [(t, e) for t, e in starts(hold) if isinstance(e, Speech)]
        ins = [t for t, e in timed if e.kind == "breath-in"]
        outs = [t for t, e in timed if e.kind == "breath-out"]
        seconds[pace] = sum(e.seconds for e in hold)
        per_minute[pace] = len(ins) / seconds[pace] * 60
        inhale[pace] = outs[0] - ins[0]
    assert seconds == pytest.approx({"slow": 56, "normal": 45, "brisk": 36}, abs=0.01)
    assert per_minute["slow"] < per_minute["normal"] < per_minute["brisk"]
    assert inhale == pytest.approx({"slow": 5, "normal": 4, "brisk": 3})


def test_natural_breathing_gets_an_occasional_breathe_freely_instead_of_guided_cycles() -> None:
    events = timeline(make_step(make_pose(breath="natural", dose={"hold": 60})))
    assert spoken(events, "breath-in") == []
    assert 1 <= len(spoken(events, "breath-free")) <= 3


def test_a_ten_minute_hold_is_guided_at_the_start_then_reminded_about_once_a_minute() -> None:
    events = timeline(make_step(make_pose(dose={"hold": "10m"})))
    ins = spoken(events, "breath-in")
    assert 10 <= len(ins) <= 14
    assert any(t in alternatives("minute_left") for t in spoken(events, "time"))


def test_a_hold_cue_too_long_for_its_hold_is_said_before_the_hold() -> None:
    long_cue = "Keep your shoulders soft, your jaw loose and your breathing slow and even."
    events = timeline(make_step(make_pose(dose={"hold": 6}, hold_cues=[long_cue])))
    cue = next(e for e in events if isinstance(e, Speech) and e.text == long_cue)
    first_hold = next(e for e in events if e.is_hold)
    assert not cue.is_hold and position(events, cue) < position(events, first_hold)


def test_hold_cues_are_spread_across_the_hold() -> None:
    cues = ["Let your shoulders drop.", "Let your belly soften."]
    (hold,) = holds(timeline(make_step(make_pose(dose={"hold": 60}, hold_cues=cues)))).values()
    at = {e.text: t for t, e in starts(hold) if isinstance(e, Speech) and e.kind == "hold-cue"}
    assert set(at) == set(cues)
    assert at[cues[0]] < 30 <= at[cues[1]]


# ---- reps, sides and rests ----


def test_movement_reps_are_counted_aloud_ending_with_last_one_and_ride_the_breath() -> None:
    pose = make_pose(dose={"per_rep": 5, "reps": 5}, breath="with-movement")
    events = timeline(make_step(pose))
    counts = spoken(events, "count")
    assert counts[:4] == ["One.", "Two.", "Three.", "Four."]
    assert counts[4] in alternatives("last_one")
    moves = spoken(events, "breath-move")
    assert moves[0] in alternatives("move_breath")
    assert moves[1:] == ["Out,", "and in."] * 5


def test_repeated_holds_are_counted_from_two() -> None:
    events = timeline(make_step(make_pose(dose={"hold": 20, "reps": 4})))
    counts = spoken(events, "count")
    assert counts[:2] == ["Two.", "Three."] and counts[2] in alternatives("last_one")


def test_a_two_sided_pose_does_every_rep_on_one_side_then_says_other_side_once() -> None:
    pose = make_pose(sides="both", dose={"hold": 20, "reps": 3})
    events = timeline(make_step(pose))
    keys = list(holds(events))
    assert keys == [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0), (0, 1, 1), (0, 1, 2)]
    side_lines = spoken(events, "side")
    assert side_lines[0] in alternatives("first_side")
    assert [s for s in side_lines if "other side" in s] == side_lines[1:]
    assert len(side_lines) == 2
    switch = next(e for e in events if isinstance(e, Speech) and "other side" in e.text)
    assert switch.side == 1
    assert all(e.side == 0 for e in events[: position(events, switch)] if e.is_hold)


def test_alternating_sides_are_named_rep_by_rep() -> None:
    pose = make_pose(sides="alternate", dose={"per_rep": 6, "reps": 4}, breath="with-movement")
    counts = spoken(timeline(make_step(pose)), "count")
    assert counts == [
        "One, to the right.",
        "Two, to the left.",
        "Three, to the right.",
        "Last one, to the left.",
    ]


def test_rests_follow_each_rep_but_the_last_and_the_step_rest_follows_the_pose() -> None:
    pose = make_pose(dose={"hold": 20, "reps": 3, "rest": 10})
    events = timeline(make_step(pose, rest=30.0))
    rests: dict[tuple[int | None, int | None], float] = defaultdict(float)
    for e in events:
        if isinstance(e, Speech | Pause) and e.kind == "rest":
            rests[(e.rep, e.side)] += e.seconds
    assert rests == pytest.approx({(0, 0): 10, (1, 0): 10, (None, 0): 30})


# ---- what is said around the poses ----


def test_the_intro_and_safety_cue_come_first_and_the_closing_last() -> None:
    events = timeline(make_step(make_pose()))
    lines = spoken(events)
    assert lines[0] == "Welcome to the test."
    assert lines[1] in alternatives("safety_intro")
    assert lines[-1] == "That's the end of the test."
    assert events[-1].section == "closing"


def test_a_modified_pose_is_introduced_as_its_gentler_variant() -> None:
    variant = make_pose(id="bent-knee", name="Bent-knee stretch")
    events = timeline(make_step(variant, requested="straight-leg"))
    (line,) = spoken(events, "variant")
    assert "Bent-knee stretch" in line and "gentler" in line
    assert spoken(events, "pose") == []


def test_a_gentler_session_asks_for_a_smaller_range() -> None:
    events = timeline(make_step(make_pose(), gentler=True))
    assert spoken(events, "gentler")[0] in alternatives("gentler")


def test_the_safety_cue_is_not_repeated_when_the_routine_intro_already_says_it() -> None:
    cue = COPY.alternatives("safety_intro")[0]
    routine = make_routine().model_copy(update={"intro": ["Welcome.", cue.upper()]})
    events = build_timeline(routine, [make_step(make_pose())], "normal", "full")
    assert spoken(events)[:2] == ["Welcome.", cue.upper()]
    assert cue not in spoken(events)


def test_full_verbosity_says_the_safety_cue_at_every_pose_and_brief_only_the_first_time() -> None:
    pose = make_pose()
    steps = (make_step(pose, 0), make_step(pose, 1))
    assert spoken(timeline(*steps), "safety")[1:] == [pose.safety_cue] * 2
    assert spoken(timeline(*steps, verbosity="brief"), "safety")[1:] == [pose.safety_cue]


def test_brief_verbosity_repeats_the_safety_cue_for_a_modified_pose() -> None:
    pose = make_pose()
    steps = (make_step(pose, 0), make_step(pose, 1, requested="other-pose"))
    assert spoken(timeline(*steps, verbosity="brief"), "safety")[1:] == [pose.safety_cue] * 2


def test_brief_verbosity_drops_hold_cues_and_breaths_but_keeps_time_cues_and_counting() -> None:
    cues = ["Let your shoulders drop.", "Let your belly soften."]
    pose = make_pose(sides="both", dose={"hold": 30, "reps": 2}, hold_cues=cues)
    full, brief = timeline(make_step(pose)), timeline(make_step(pose), verbosity="brief")
    assert len(spoken(brief, "hold-cue")) == 1 < len(spoken(full, "hold-cue"))
    assert len(spoken(brief, "breath-in")) < len(spoken(full, "breath-in"))
    assert len(spoken(brief, "time")) == len(spoken(full, "time"))
    assert len(spoken(brief, "count")) == len(spoken(full, "count"))
    assert spoken(brief, "safety") == spoken(full, "safety")


def test_the_same_inputs_give_the_same_timeline() -> None:
    step = make_step(make_pose(sides="both", dose={"hold": 30, "reps": 2}))
    assert timeline(step) == timeline(step)


def test_unknown_pace_or_verbosity_is_refused() -> None:
    step = make_step(make_pose())
    with pytest.raises(ValueError, match="unknown pace"):
        timeline(step, pace="sprint")
    with pytest.raises(ValueError, match="unknown verbosity"):
        timeline(step, verbosity="chatty")


# ---- the timing model ----


def test_speech_takes_longer_at_a_slower_prosody_rate() -> None:
    line = "Let your back relax into the floor."
    assert speech_seconds(line, 85) > speech_seconds(line, 95) > speech_seconds(line, 100)
    assert speech_seconds(line, 100) == pytest.approx(7 / 2.5 + 0.3)


def test_paced_holds_stay_within_the_schema_limits() -> None:
    assert pace_named("brisk").hold(5) == 5
    assert pace_named("slow").hold(900) == 900
    assert pace_named("slow").hold(30) == 38


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(45, "45 seconds"), (60, "a minute"), (90, "a minute and a half"), (240, "4 minutes")],
)
def test_durations_are_spoken_in_round_numbers(seconds: float, said: str) -> None:
    assert spoken_duration(seconds) == said


@given(
    seconds=st.floats(min_value=5, max_value=900),
    cues=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=900),
            st.sampled_from(["Halfway.", "Breathe in,", "Keep your hips heavy on the mat."]),
        ),
        max_size=12,
    ),
    pace=st.sampled_from(sorted(PACES)),
)
def test_a_span_plans_exactly_its_length_with_cues_that_never_overlap(
    seconds: float, cues: list[tuple[float, str]], pace: str
) -> None:
    span = Span(seconds, PACES[pace].rate_percent)
    for at, words in cues:
        span.place([(0.0, words, "cue")], at=min(at, seconds), latest=seconds)
    segments = span.segments()
    total = sum(s.seconds for s in segments)
    assert total == pytest.approx(seconds, abs=0.002 * len(segments) + 0.001)
    ordered = sorted(span.placed, key=lambda p: p.start)
    assert all(a.end <= b.start for a, b in pairwise(ordered))
