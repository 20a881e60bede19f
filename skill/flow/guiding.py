"""Guiding a routine: playing turns, moving around in them, pausing and resuming."""

from __future__ import annotations

from skill.flow.core import Ctx, Reply, ask, line
from skill.ssml import Ssml
from skill.state import ResumePoint, iso
from skill.turns import Session, build_session


def profile_of(ctx: Ctx) -> str:
    return ctx.user.profile or "unsure"


def avoided_directions(ctx: Ctx) -> list[str]:
    return sorted(set(ctx.user.avoid_directions) | set(ctx.sess.avoid_directions))


def current_session(ctx: Ctx) -> Session:
    """Rebuild the session from its parameters (deterministic; only the turn index is stored)."""
    sess = ctx.sess
    assert sess.routine_id is not None
    return build_session(
        ctx.catalogue,
        sess.routine_id,
        profile=profile_of(ctx),
        pace=sess.pace,
        verbosity=sess.verbosity,
        screened_yes=sess.screened_yes,
        avoid_directions=avoided_directions(ctx),
        gentler=sess.gentler,
        audio_base_url=ctx.settings.audio_base_url,
    )


def play(ctx: Ctx, turn_index: int, preface: list[Ssml] | None = None) -> Reply:
    """Speak turn `turn_index`; the last turn leads straight into the check-in."""
    session = current_session(ctx)
    last = len(session.turns) - 1
    index = max(0, min(turn_index, last))
    turn = session.turns[index]
    ctx.sess.turn = index
    before = list(preface or [])
    if index == last:
        ctx.sess.stage = "check_back"
        ctx.sess.retries = 0
        ctx.user.resume = None
        return ask(
            *before,
            turn.body,
            line("checkin_intro"),
            line("check_back"),
            reprompt=line("score_reprompt"),
        )
    ctx.sess.stage = "routine"
    return ask(*before, turn.body, turn.prompt, reprompt=turn.reprompt)


def next_turn(session: Session, index: int) -> int:
    """The next turn that starts something new (continuation turns of a hold are skipped)."""
    following = index + 1
    while following < len(session.turns) - 1 and session.turns[following].kind == "continue":
        following += 1
    return following


def continue_turn(session: Session, index: int) -> int:
    """More time in the current hold when there is any, else the next turn."""
    following = index + 1
    if following < len(session.turns) and session.turns[following].kind == "continue":
        return following
    return next_turn(session, index)


def previous_turn(session: Session, index: int) -> int | None:
    """The start of the previous pose, or None at the very beginning."""
    step = session.step_of_turn(index)
    if step is None:
        return None if index == 0 else 0
    if step == 0:
        start = session.first_turn_of_step(0)
        return start - 1 if start > 0 else None
    return session.first_turn_of_step(step - 1)


def skip_turn(session: Session, index: int) -> int:
    """The first turn of the next pose."""
    step = session.step_of_turn(index)
    following = index + 1
    while following < len(session.turns) - 1 and (
        session.turns[following].kind == "continue"
        or (step is not None and session.step_of_turn(following) == step)
    ):
        following += 1
    return following


def step_start(session: Session, index: int) -> int:
    """The first turn of the pose at turn `index` (clamped to the session)."""
    index = max(0, min(index, len(session.turns) - 1))
    step = session.step_of_turn(index)
    return index if step is None else session.first_turn_of_step(step)


def routine_index_at(session: Session, index: int) -> int | None:
    """The routine-file step index (stable across re-plans) of the pose at turn `index`."""
    step = session.step_of_turn(index)
    return None if step is None else session.plan[step].index


def turn_after_replan(ctx: Ctx, routine_index: int | None, *, inclusive: bool) -> int:
    """After the plan changed, the turn where the first remaining pose from here starts."""
    session = current_session(ctx)
    if routine_index is None:
        return min(ctx.sess.turn, len(session.turns) - 1)
    for plan_index, planned in enumerate(session.plan):
        if planned.index > routine_index or (inclusive and planned.index == routine_index):
            return session.first_turn_of_step(plan_index)
    return len(session.turns) - 1


def save_resume_point(ctx: Ctx) -> None:
    """Remember where an unfinished routine stopped (scores only with consent)."""
    sess = ctx.sess
    if sess.routine_id is None or sess.stage != "routine":
        return
    keep_scores = ctx.remembers_ratings
    ctx.user.resume = ResumePoint(
        routine_id=sess.routine_id,
        turn=sess.turn,
        at=iso(ctx.now),
        pace=sess.pace,
        verbosity=sess.verbosity,
        screened_yes=sess.screened_yes,
        gentler=sess.gentler if keep_scores else False,
        avoid_directions=list(sess.avoid_directions),
        pre_back=sess.pre_back if keep_scores else None,
        pre_leg=sess.pre_leg if keep_scores else None,
    )
