"""Which poses a user is offered, and at what dose: the safety filter between content and speech.

Pure functions. The rules (clinical-safety doc, sections 1-3 and 5):
- a pose whose verdict is `avoid` for the user's profile is never offered;
- a `modify` verdict swaps in the named variant pose;
- a yes to a routine's screening questions swaps poses as the routine says (for example
  Legs-Up-the-Wall -> legs on a chair);
- a movement direction that sent leg symptoms further down is dropped;
- after a worse session, the plan is gentler: shorter holds, fewer reps, and the last
  non-neutral pose left out when the routine has more than one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from skill.schema import MIN_HOLD_SECONDS, Direction, Modify, Pose, Routine, Sides

#: Gentler sessions shorten holds to this fraction (never below the minimum hold). INFERENCE.
GENTLER_HOLD_FACTOR = 0.75
#: Gentler sessions drop this many reps (never below one). INFERENCE.
GENTLER_REPS_DROPPED = 1


@dataclass(frozen=True)
class PlannedStep:
    """One pose as this user will do it."""

    index: int  # position of the step in the routine file
    requested: str  # the pose id the routine names
    pose: Pose  # the pose actually offered (the variant when modified)
    hold: float | None  # seconds per rep for a static hold
    per_rep: float | None  # seconds per rep for a movement
    reps: int
    rest: float  # seconds of rest after the step
    note: str | None = None
    gentler: bool = False

    @property
    def modified(self) -> bool:
        return self.pose.id != self.requested

    @property
    def sides(self) -> Sides:
        return self.pose.sides

    @property
    def side_count(self) -> int:
        return 2 if self.pose.sides is Sides.BOTH else 1

    @property
    def seconds_per_rep(self) -> float:
        return self.hold if self.hold is not None else (self.per_rep or 0.0)

    @property
    def exercise_seconds(self) -> float:
        """Time spent in the pose: every rep on every side, with the pose's rests between reps."""
        between = self.pose.dose.rest * (self.reps - 1)
        return (self.reps * self.seconds_per_rep + between) * self.side_count


def resolve_pose(pose_id: str, library: Mapping[str, Pose], profile: str) -> Pose | None:
    """The pose offered to `profile` in place of `pose_id`: itself, its variant, or None."""
    pose = library.get(pose_id)
    if pose is None:
        return None
    verdict = pose.verdicts[profile]  # type: ignore[index]
    if verdict == "avoid":
        return None
    if isinstance(verdict, Modify):
        variant = library.get(verdict.modify)
        if variant is None or variant.verdicts[profile] != "allow":  # type: ignore[index]
            return None
        return variant
    return pose


def plan_steps(
    routine: Routine,
    library: Mapping[str, Pose],
    profile: str,
    *,
    screened_yes: bool = False,
    avoid_directions: Collection[Direction | str] = (),
    gentler: bool = False,
) -> list[PlannedStep]:
    """The steps this user does, in order, after every safety rule above."""
    replace = routine.screening.replace if (screened_yes and routine.screening) else {}
    avoided = {Direction(d) for d in avoid_directions}
    plan: list[PlannedStep] = []
    for index, step in enumerate(routine.steps):
        pose = resolve_pose(replace.get(step.pose, step.pose), library, profile)
        if pose is not None and pose.id in replace:
            pose = resolve_pose(replace[pose.id], library, profile)
        if pose is None or pose.direction in avoided:
            continue
        dose = pose.dose
        # Step overrides apply only when the offered pose is dosed the same way (a variant may
        # be a hold where the original was a movement); otherwise the variant's own dose holds.
        overrides = library[step.pose].dose.is_hold == dose.is_hold
        hold = step.hold if overrides and step.hold is not None else dose.hold
        per_rep = step.per_rep if overrides and step.per_rep is not None else dose.per_rep
        reps = step.reps if overrides and step.reps is not None else dose.reps
        rest = step.rest if step.rest is not None else 0.0
        if gentler:
            if hold is not None:
                hold = max(float(MIN_HOLD_SECONDS), round(hold * GENTLER_HOLD_FACTOR))
            reps = max(1, reps - GENTLER_REPS_DROPPED)
        plan.append(
            PlannedStep(index, step.pose, pose, hold, per_rep, reps, rest, step.note, gentler)
        )
    moving = [i for i, s in enumerate(plan) if s.pose.direction is not Direction.NEUTRAL]
    if gentler and len(moving) >= 2:
        # Leave out the last (most demanding) movement, but never the routine's only one.
        del plan[moving[-1]]
    return plan
