"""Answers that depend on the stage: yes/no, pain scores, leg symptoms; routine controls."""

from __future__ import annotations

from skill.choices import PACES
from skill.flow import checkin, guiding, memory, onboarding, prompts, screens, starting
from skill.flow.core import Ctx, Reply, ask, line, tell
from skill.safety import parse_score
from skill.schema import Direction


def answer_yes_no(ctx: Ctx, yes: bool) -> Reply:
    """Route a yes or no to the question the current stage asked."""
    stage = ctx.sess.stage
    if stage in {"emergency_followup", "urgent_followup"}:
        return onboarding.answer_followup(ctx, yes)
    if stage == "disclaimer":
        return onboarding.answer_disclaimer(ctx, yes)
    if stage == "consent":
        return onboarding.answer_consent(ctx, yes)
    if stage == "redflags":
        return onboarding.answer_redflag(ctx, yes)
    if stage == "urgent":
        return onboarding.answer_urgent(ctx, yes)
    if stage == "precheck_redflag":
        if yes:
            return screens.emergency(ctx)
        ctx.sess.asked_redflags = True
        return starting.advance(ctx, [])
    if stage == "screening":
        return starting.answer_screening(ctx, yes)
    if stage in {"check_redflags", "check_redflag_brief"}:
        return checkin.answer_redflag(ctx, yes)
    if stage == "check_numbness":
        return checkin.answer_numbness(ctx, yes)
    if stage == "resume_offer":
        point = ctx.user.resume
        if yes and point is not None:
            return starting.begin(ctx, point.routine_id, resume=point)
        ctx.user.resume = None
        return starting.offer_suggestion(ctx)
    if stage == "confirm_routine":
        pending = ctx.sess.pending_routine
        if yes and pending is not None:
            return starting.begin(ctx, pending)
        return starting.menu(ctx)
    if stage == "forget_confirm":
        return memory.answer_forget(ctx, yes)
    return prompts.not_now(ctx)


def answer_score(ctx: Ctx, raw: str | None) -> Reply:
    """A 0-10 score: re-ask once when it isn't one, then move on storing nothing invented."""
    sess = ctx.sess
    if sess.stage not in checkin.SCORE_STAGES:
        return prompts.not_now(ctx)
    score = parse_score(raw)
    if score is None and sess.retries == 0:
        sess.retries = 1
        return ask(line("score_retry"), reprompt=line("score_reprompt"))
    preface = [] if score is not None else [line("score_skipped")]
    sess.retries = 0
    stage = sess.stage
    if stage == "pre_back":
        sess.pre_back = score
        sess.checks_done.append("pre_back")
        return starting.advance(ctx, preface)
    if stage == "pre_leg":
        sess.pre_leg = score
        sess.checks_done.append("pre_leg")
        return starting.advance(ctx, preface)
    if stage == "check_back":
        sess.post_back = score
        sess.stage = "check_leg"
        return ask(*preface, line("check_leg"), reprompt=line("score_reprompt"))
    sess.post_leg = score
    sess.stage = "check_trend"
    return ask(*preface, line("check_trend"), reprompt=line("check_trend_reprompt"))


def answer_leg_trend(ctx: Ctx, trend: str | None) -> Reply:
    if ctx.sess.stage == "check_trend":
        return checkin.answer_trend(ctx, trend)
    if ctx.sess.stage == "symptom":
        return symptom_answer(ctx, trend)
    return prompts.not_now(ctx)


def symptom_reported(ctx: Ctx) -> Reply:
    """'This hurts' / 'my leg is tingling': stop the movement and ask where it went."""
    if ctx.sess.stage != "routine":
        return prompts.not_now(ctx)
    ctx.sess.stage = "symptom"
    ctx.sess.retries = 0
    return ask(line("symptom_question"), reprompt=line("symptom_reprompt"))


def symptom_answer(ctx: Ctx, trend: str | None) -> Reply:
    sess = ctx.sess
    if trend not in {"further", "same", "closer"}:
        if sess.retries == 0:
            sess.retries = 1
            return ask(
                line("fallback"), line("symptom_reprompt"), reprompt=line("symptom_reprompt")
            )
        trend = "further"  # unclear after asking twice: treat it as the cautious answer
    sess.retries = 0
    session = guiding.current_session(ctx)
    if trend == "further":
        step = session.step_of_turn(sess.turn)
        here = guiding.routine_index_at(session, sess.turn)
        if step is not None:
            direction = session.plan[step].pose.direction
            if direction is not Direction.NEUTRAL:
                for directions in (sess.avoid_directions, ctx.user.avoid_directions):
                    if direction.value not in directions:
                        directions.append(direction.value)
        target = guiding.turn_after_replan(ctx, here, inclusive=False)
        return guiding.play(ctx, target, [line("symptom_further")])
    sess.stage = "routine"
    key = "symptom_same" if trend == "same" else "symptom_closer"
    return ask(line(key), line("symptom_continue"), reprompt=line("next_prompt"))


def navigate(ctx: Ctx, action: str) -> Reply:
    """next, continue, previous, repeat, start over, skip: move within the routine."""
    if ctx.sess.stage != "routine":
        return prompts.not_now(ctx)
    session = guiding.current_session(ctx)
    here = min(ctx.sess.turn, len(session.turns) - 1)
    if action == "next":
        return guiding.play(ctx, guiding.next_turn(session, here))
    if action == "continue":
        return guiding.play(ctx, guiding.continue_turn(session, here))
    if action == "skip":
        return guiding.play(ctx, guiding.skip_turn(session, here), [line("skipped")])
    if action == "previous":
        target = guiding.previous_turn(session, here)
        if target is None:
            return guiding.play(ctx, 0, [line("at_start")])
        return guiding.play(ctx, target)
    if action == "start_over":
        return guiding.play(ctx, 0)
    return guiding.play(ctx, here)  # repeat


def change_pace(ctx: Ctx, faster: bool) -> Reply:
    sess = ctx.sess
    position = PACES.index(sess.pace) if sess.pace in PACES else 1
    wanted = min(len(PACES) - 1, position + 1) if faster else max(0, position - 1)
    pace = PACES[wanted]
    if pace == sess.pace:
        note = line("pace_limit", pace=PACES[position])
        return prompts.repeat_question(ctx, [note])
    sess.pace = ctx.user.pace = pace
    note = line("pace_changed", pace=ctx_pace_name(pace))
    if sess.stage != "routine":
        return prompts.repeat_question(ctx, [note])
    session = guiding.current_session(ctx)
    return guiding.play(ctx, guiding.step_start(session, sess.turn), [note])


def ctx_pace_name(pace: str) -> str:
    return line(f"pace_names.{pace}")


def change_verbosity(ctx: Ctx, verbosity: str) -> Reply:
    sess = ctx.sess
    sess.verbosity = ctx.user.verbosity = verbosity
    note = line(f"verbosity_changed.{verbosity}")
    if sess.stage != "routine":
        return prompts.repeat_question(ctx, [note])
    session = guiding.current_session(ctx)
    return guiding.play(ctx, guiding.step_start(session, sess.turn), [note])


def pause(ctx: Ctx) -> Reply:
    if ctx.sess.stage != "routine":
        return stop(ctx)
    guiding.save_resume_point(ctx)
    ctx.sess.stage = "ended"
    return tell(line("paused"))


def stop(ctx: Ctx) -> Reply:
    """Stop or cancel, at any moment: keep the routine position and any check-in answers."""
    stage = ctx.sess.stage
    if stage in {"routine", "symptom"}:
        ctx.sess.stage = "routine"
        guiding.save_resume_point(ctx)
        ctx.sess.stage = "ended"
        return tell(line("stop_saved"))
    if checkin.in_checkin(ctx) and any(
        v is not None for v in (ctx.sess.post_back, ctx.sess.post_leg, ctx.sess.leg_trend)
    ):
        checkin.store_checkin(ctx, completed=False)
    ctx.sess.stage = "ended"
    return tell(line("stop"))
