"""The safety filter between content and speech: which poses a user is offered, and at what dose.

Two halves. The first checks every routine of the real catalogue for every profile against the
rules of the clinical-safety doc (sections 1, 3 and 5), written here as properties of the plan
rather than as a copy of the planner. The second pins each rule down on the small fixture
library in tests/fixtures/library/, whose verdicts are chosen to exercise it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.catalogue import Catalogue, CatalogueError, load_catalogue
from skill.choices import PROFILES
from skill.config import DEFAULT_SESSIONS_DIR
from skill.plan import PlannedStep, plan_steps, resolve_pose
from skill.schema import MIN_HOLD_SECONDS, Direction, Modify, Pose, Routine

LIBRARY = Path(__file__).resolve().parent / "fixtures" / "library"


def _load_real() -> tuple[Catalogue | None, str]:
    try:
        return load_catalogue(DEFAULT_SESSIONS_DIR), ""
    except CatalogueError as exc:
        return None, f"{len(exc.problems)} problems, first: {exc.problems[0]}"


REAL, REAL_ERROR = _load_real()


def _real_cases() -> list[Any]:
    if REAL is None:
        reason = f"sessions/ does not validate ({REAL_ERROR}); see test_catalogue"
        return [pytest.param("", "", id="real-catalogue-invalid", marks=pytest.mark.skip(reason))]
    cases = [
        pytest.param(routine.id, profile, id=f"{routine.id}-{profile}")
        for routine in REAL.ordered()
        for profile in PROFILES
    ]
    if not cases:
        reason = "sessions/ has no routines yet"
        return [pytest.param("", "", id="no-real-routines", marks=pytest.mark.skip(reason))]
    return cases


REAL_CASES = _real_cases()


def real(routine_id: str) -> tuple[Routine, dict[str, Pose]]:
    assert REAL is not None
    return REAL.routine(routine_id), REAL.poses


def offered(plan: list[PlannedStep]) -> list[tuple[int, str]]:
    """The plan as (step index, pose id offered) pairs."""
    return [(step.index, step.pose.id) for step in plan]


def allowed_form(pose_id: str, library: dict[str, Pose], profile: str) -> str | None:
    """What the verdict table says `profile` does for `pose_id`: the pose, its variant, or none."""
    verdict = library[pose_id].verdicts[profile]  # type: ignore[index]
    if isinstance(verdict, Modify):
        return verdict.modify
    return pose_id if verdict == "allow" else None


# --- every routine in the real catalogue, for every profile ---------------------------------


@pytest.mark.parametrize(("routine_id", "profile"), REAL_CASES)
def test_no_pose_avoided_for_the_profile_is_offered(routine_id: str, profile: str) -> None:
    routine, library = real(routine_id)
    plan = plan_steps(routine, library, profile)
    for step in plan:
        assert step.pose.verdicts[profile] == "allow", (step.index, step.pose.id)  # type: ignore[index]
    avoided = {
        i
        for i, s in enumerate(routine.steps)
        if library[s.pose].verdicts[profile] == "avoid"  # type: ignore[index]
    }
    assert avoided.isdisjoint(step.index for step in plan)


@pytest.mark.parametrize(("routine_id", "profile"), REAL_CASES)
def test_every_step_is_offered_as_the_verdict_table_says(routine_id: str, profile: str) -> None:
    routine, library = real(routine_id)
    expected = [
        (i, form)
        for i, s in enumerate(routine.steps)
        if (form := allowed_form(s.pose, library, profile)) is not None
    ]
    plan = plan_steps(routine, library, profile)
    assert offered(plan) == expected
    for step in plan:
        assert step.modified == isinstance(library[step.requested].verdicts[profile], Modify)  # type: ignore[index]


@pytest.mark.parametrize(("routine_id", "profile"), REAL_CASES)
def test_a_yes_to_screening_swaps_poses_as_the_routine_says(routine_id: str, profile: str) -> None:
    routine, library = real(routine_id)
    plain = plan_steps(routine, library, profile)
    screened = plan_steps(routine, library, profile, screened_yes=True)
    if routine.screening is None:
        assert offered(screened) == offered(plain)
        return
    replace = routine.screening.replace
    by_index = dict(offered(screened))
    for step in plain:
        source = step.requested if step.requested in replace else step.pose.id
        if source in replace:
            wanted = allowed_form(replace[source], library, profile)
            assert by_index.get(step.index) == wanted, (step.index, source)
        else:
            assert by_index.get(step.index) == step.pose.id, step.index
    assert not {pose_id for _, pose_id in offered(screened)} & set(replace)
    for step in screened:
        assert step.pose.verdicts[profile] == "allow", step.pose.id  # type: ignore[index]


@pytest.mark.parametrize(("routine_id", "profile"), REAL_CASES)
def test_a_direction_that_sent_symptoms_down_the_leg_is_left_out(
    routine_id: str, profile: str
) -> None:
    routine, library = real(routine_id)
    plain = plan_steps(routine, library, profile)
    for direction in Direction:
        without = plan_steps(routine, library, profile, avoid_directions=[direction.value])
        assert offered(without) == [
            (s.index, s.pose.id) for s in plain if s.pose.direction is not direction
        ], direction


@pytest.mark.parametrize(("routine_id", "profile"), REAL_CASES)
def test_a_gentler_plan_shortens_holds_drops_a_rep_and_the_last_non_neutral_pose(
    routine_id: str, profile: str
) -> None:
    routine, library = real(routine_id)
    plain = plan_steps(routine, library, profile)
    gentle = plan_steps(routine, library, profile, gentler=True)
    non_neutral = [s.index for s in plain if s.pose.direction is not Direction.NEUTRAL]
    # The last moving pose goes, unless it is the only one (a plan of rests alone would remain).
    dropped = {non_neutral[-1]} if len(non_neutral) >= 2 else set()
    assert [s.index for s in gentle] == [s.index for s in plain if s.index not in dropped]
    before = {s.index: s for s in plain}
    for after in gentle:
        was = before[after.index]
        assert after.gentler
        assert after.pose.id == was.pose.id
        assert after.reps == max(1, was.reps - 1)
        assert after.per_rep == was.per_rep
        if was.hold is None:
            assert after.hold is None
        else:
            assert after.hold is not None
            assert after.hold >= MIN_HOLD_SECONDS
            assert after.hold < was.hold or was.hold == MIN_HOLD_SECONDS


# --- each rule on the fixture library --------------------------------------------------------


@pytest.fixture(scope="module")
def library() -> dict[str, Pose]:
    return load_catalogue(LIBRARY, base=LIBRARY).poses


@pytest.fixture(scope="module")
def routines() -> dict[str, Routine]:
    return load_catalogue(LIBRARY, base=LIBRARY).routines


def routine_of(steps: list[dict[str, object]], replace: dict[str, str] | None = None) -> Routine:
    """A routine with just these steps (and screening swaps), for rules that need a shape."""
    screening = {
        "questions": [{"id": "heart", "ask": "Do you live with heart failure?"}],
        "if_any_yes": "Then we'll use a chair instead.",
        "replace": replace,
    }
    return Routine.model_validate(
        {
            "id": "made-up",
            "title": "Made up",
            "summary": "A routine made up for one test.",
            "suits": "Anyone.",
            "screening": screening if replace else None,
            "intro": ["Hello."],
            "steps": steps,
            "closing": ["Goodbye."],
        }
    )


def test_a_pose_avoided_for_stenosis_is_left_out_of_the_stenosis_plan(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["extension-start"], library, "stenosis")
    assert offered(plan) == [
        (0, "prone-lying"),
        (3, "low-bridge"),
        (4, "sciatic-nerve-glide"),
        (5, "prone-lying"),
    ]


def test_a_pose_allowed_for_the_profile_is_offered_as_written(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["evening-unwind"], library, "stenosis")
    assert [s.pose.id for s in plan] == [
        "pelvic-tilt",
        "knee-to-chest",
        "knee-rolls",
        "legs-up-the-wall",
    ]
    assert not any(s.modified for s in plan)


def test_a_modified_pose_is_replaced_by_its_named_variant(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["evening-unwind"], library, "disc")
    swapped = [(s.requested, s.pose.id) for s in plan if s.modified]
    assert swapped == [
        ("knee-to-chest", "single-knee-to-chest"),
        ("legs-up-the-wall", "legs-up-bent-knees"),
    ]


def test_a_variant_dosed_the_same_way_keeps_the_step_overrides(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["evening-unwind"], library, "disc")
    knees, wall = plan[1], plan[3]
    assert (knees.pose.id, knees.hold, knees.reps) == ("single-knee-to-chest", 20.0, 2)
    assert (wall.pose.id, wall.hold) == ("legs-up-bent-knees", 240.0)


def test_a_variant_dosed_the_other_way_keeps_its_own_dose(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    # Press-ups are a movement with `reps: 8` in the routine; unsure gets a sphinx hold instead.
    step = plan_steps(routines["extension-start"], library, "unsure")[2]
    assert (step.requested, step.pose.id) == ("prone-press-up", "sphinx")
    assert (step.hold, step.per_rep, step.reps) == (15.0, None, 5)
    assert step.rest == 20.0  # the rest after the step still belongs to the routine


def test_a_pose_done_on_both_sides_counts_its_time_twice(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    disc = plan_steps(routines["evening-unwind"], library, "disc")[1]
    stenosis = plan_steps(routines["evening-unwind"], library, "stenosis")[1]
    assert disc.side_count == 2
    assert disc.exercise_seconds == 2 * (2 * 20)
    # Both knees together: once, with the pose's 5 s between the two reps.
    assert stenosis.exercise_seconds == 2 * 20 + 5


def test_resolving_a_pose_follows_the_verdict_for_the_profile(
    library: dict[str, Pose],
) -> None:
    assert resolve_pose("sphinx", library, "disc") is library["sphinx"]
    assert resolve_pose("sphinx", library, "stenosis") is None
    assert resolve_pose("prone-press-up", library, "unsure") is library["sphinx"]
    assert resolve_pose("deep-forward-fold", library, "unsure") is None
    assert resolve_pose("no-such-pose", library, "disc") is None


def test_a_variant_that_is_not_allowed_is_never_offered_in_its_place(
    library: dict[str, Pose],
) -> None:
    # The catalogue refuses such content; the planner must still fail safe if it gets it.
    avoided_variant = library["single-knee-to-chest"].model_copy(
        update={"verdicts": {**library["single-knee-to-chest"].verdicts, "disc": "avoid"}}
    )
    broken = {**library, "single-knee-to-chest": avoided_variant}
    assert resolve_pose("knee-to-chest", broken, "disc") is None


def test_without_a_yes_to_screening_the_wall_stays(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["evening-unwind"], library, "stenosis")
    assert plan[-1].pose.id == "legs-up-the-wall"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_yes_to_screening_puts_the_calves_on_a_chair_for_every_profile(
    library: dict[str, Pose], routines: dict[str, Routine], profile: str
) -> None:
    # Stenosis would get the wall itself, disc and unsure its bent-knee variant: both are swapped.
    plan = plan_steps(routines["evening-unwind"], library, profile, screened_yes=True)
    assert [s.pose.id for s in plan][-1] == "legs-on-chair"
    assert plan[-1].hold == 240.0  # the routine's hold carries over to a hold


def test_a_screening_swap_of_the_variant_applies_after_the_verdicts(
    library: dict[str, Pose],
) -> None:
    routine = routine_of(
        [{"pose": "pelvic-tilt"}, {"pose": "legs-up-the-wall"}],
        replace={"legs-up-bent-knees": "legs-on-chair"},
    )
    disc = plan_steps(routine, library, "disc", screened_yes=True)
    stenosis = plan_steps(routine, library, "stenosis", screened_yes=True)
    assert [(s.requested, s.pose.id) for s in disc][-1] == ("legs-up-the-wall", "legs-on-chair")
    # Only the variant was named, so stenosis (who does the wall itself) keeps the wall.
    assert stenosis[-1].pose.id == "legs-up-the-wall"


def test_a_yes_to_screening_changes_nothing_in_a_routine_without_screening(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    routine = routines["extension-start"]
    for profile in PROFILES:
        assert offered(plan_steps(routine, library, profile, screened_yes=True)) == offered(
            plan_steps(routine, library, profile)
        )


def test_an_avoided_direction_removes_every_pose_moving_that_way(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(
        routines["extension-start"], library, "disc", avoid_directions=[Direction.EXTENSION]
    )
    assert offered(plan) == [(0, "prone-lying"), (4, "sciatic-nerve-glide"), (5, "prone-lying")]


def test_several_avoided_directions_are_all_removed(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(
        routines["evening-unwind"], library, "disc", avoid_directions={"flexion", "rotation"}
    )
    assert offered(plan) == [(3, "legs-up-bent-knees")]


def test_an_avoided_direction_applies_to_the_pose_actually_offered(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    # The wall is an inversion; after a screening yes the chair (neutral) stands in and stays.
    plan = plan_steps(
        routines["evening-unwind"],
        library,
        "stenosis",
        screened_yes=True,
        avoid_directions=["inversion"],
    )
    assert plan[-1].pose.id == "legs-on-chair"


def test_an_unknown_direction_is_refused_rather_than_ignored(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    with pytest.raises(ValueError, match="backwards"):
        plan_steps(routines["extension-start"], library, "disc", avoid_directions=["backwards"])


def test_a_gentler_plan_shortens_every_hold_and_drops_one_rep(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["extension-start"], library, "disc", gentler=True)
    doses = [(s.pose.id, s.hold, s.per_rep, s.reps) for s in plan]
    assert doses == [
        ("prone-lying", 45.0, None, 1),  # one rep stays one rep
        ("sphinx", 15.0, None, 4),
        ("prone-press-up", None, 4.0, 7),  # a movement keeps its pace
        ("bridge", None, 6.0, 7),
        ("prone-lying", 68.0, None, 1),
    ]


def test_a_gentler_plan_leaves_out_the_last_pose_that_is_not_neutral(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["extension-start"], library, "disc", gentler=True)
    # The nerve glide (step 4) is the last non-neutral pose; the final rest on the front stays.
    assert [s.index for s in plan] == [0, 1, 2, 3, 5]


@pytest.mark.parametrize(("hold", "gentler_hold"), [(5, 5.0), (6, 5.0), (7, 5.0), (8, 6.0)])
def test_a_gentler_hold_never_drops_below_the_minimum(
    library: dict[str, Pose], hold: int, gentler_hold: float
) -> None:
    routine = routine_of([{"pose": "sphinx", "hold": hold}, {"pose": "prone-lying"}])
    assert plan_steps(routine, library, "disc", gentler=True)[0].hold == gentler_hold


def test_a_gentler_plan_never_leaves_out_the_only_moving_pose(library: dict[str, Pose]) -> None:
    routine = routine_of([{"pose": "prone-lying"}, {"pose": "sphinx"}, {"pose": "legs-on-chair"}])
    plan = plan_steps(routine, library, "disc", gentler=True)
    assert [s.pose.id for s in plan] == ["prone-lying", "sphinx", "legs-on-chair"]


def test_a_gentler_plan_of_two_moving_poses_leaves_out_the_second(
    library: dict[str, Pose],
) -> None:
    routine = routine_of([{"pose": "sphinx"}, {"pose": "bridge"}])
    plan = plan_steps(routine, library, "disc", gentler=True)
    assert [s.pose.id for s in plan] == ["sphinx"]


def test_a_gentler_plan_counts_moving_poses_after_the_verdicts(library: dict[str, Pose]) -> None:
    # For stenosis the sphinx is avoided, so the low bridge is the only moving pose and stays.
    routine = routine_of([{"pose": "prone-lying"}, {"pose": "sphinx"}, {"pose": "bridge"}])
    plan = plan_steps(routine, library, "stenosis", gentler=True)
    assert [s.pose.id for s in plan] == ["prone-lying", "low-bridge"]


def test_a_gentler_plan_of_only_neutral_poses_keeps_them_all(library: dict[str, Pose]) -> None:
    routine = routine_of(
        [{"pose": "prone-lying"}, {"pose": "legs-on-chair"}, {"pose": "prone-lying"}]
    )
    plan = plan_steps(routine, library, "disc", gentler=True)
    assert len(plan) == 3
    assert all(s.gentler for s in plan)


def test_a_plan_that_is_not_gentler_keeps_the_routine_dose(
    library: dict[str, Pose], routines: dict[str, Routine]
) -> None:
    plan = plan_steps(routines["extension-start"], library, "disc")
    assert [(s.hold, s.per_rep, s.reps) for s in plan][:3] == [
        (60.0, None, 1),
        (20.0, None, 5),
        (None, 4.0, 8),
    ]
    assert not any(s.gentler for s in plan)
