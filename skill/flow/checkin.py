"""The end-of-session check-in: scores, leg symptoms, numbness, feedback, and what is stored."""

from __future__ import annotations

from typing import Any

from skill.flow import guiding, screens
from skill.flow.core import Ctx, Reply, ask, line, log, tell
from skill.records import CheckinRecord
from skill.safety import Assessment, Finding, assess, dominant_direction
from skill.ssml import Ssml

SCORE_STAGES = ("pre_back", "pre_leg", "check_back", "check_leg")


def _history(ctx: Ctx) -> list[CheckinRecord]:
    if not ctx.remembers_ratings or ctx.store is None:
        return []
    return ctx.store.recent_checkins(ctx.store.user_key(ctx.user_id))


def record(ctx: Ctx, completed: bool) -> CheckinRecord:
    sess = ctx.sess
    return CheckinRecord(
        at=ctx.now,
        routine_id=sess.routine_id or "",
        profile=guiding.profile_of(ctx),  # type: ignore[arg-type]
        pace=sess.pace,  # type: ignore[arg-type]
        pre_back=sess.pre_back,
        pre_leg=sess.pre_leg,
        post_back=sess.post_back,
        post_leg=sess.post_leg,
        leg_trend=sess.leg_trend,  # type: ignore[arg-type]
        new_numbness=sess.numbness,
        completed=completed,
    )


def store_checkin(ctx: Ctx, completed: bool) -> bool:
    """Append this session's check-in when the user allows it; True when stored."""
    if not ctx.remembers_ratings or ctx.store is None or ctx.sess.routine_id is None:
        return False
    ctx.store.append_checkin(ctx.store.user_key(ctx.user_id), record(ctx, completed))
    return True


def in_checkin(ctx: Ctx) -> bool:
    return ctx.sess.stage.startswith("check_")


def answer_trend(ctx: Ctx, trend: str | None) -> Reply:
    if trend not in {"further", "same", "closer"}:
        if ctx.sess.retries == 0:
            ctx.sess.retries = 1
            return ask(line("fallback"), line("check_trend"), reprompt=line("check_trend_reprompt"))
        trend = None
    ctx.sess.retries = 0
    ctx.sess.leg_trend = trend
    ctx.sess.stage = "check_numbness"
    return ask(line("check_numbness"), reprompt=line("check_numbness_reprompt"))


def _assess(ctx: Ctx, **history: Any) -> Assessment:
    """The thresholds table applied to this session's answers (and, given, the history)."""
    sess = ctx.sess
    return assess(
        pre_back=sess.pre_back,
        pre_leg=sess.pre_leg,
        post_back=sess.post_back,
        post_leg=sess.post_leg,
        leg_trend=sess.leg_trend,
        new_numbness=sess.numbness,
        **history,
    )


def _got_worse(ctx: Ctx) -> bool:
    return _assess(ctx).gentler_next


def answer_numbness(ctx: Ctx, yes: bool) -> Reply:
    ctx.sess.numbness = yes
    if yes:
        # New numbness or weakness leads to the full red-flag questions.
        return screens.ask_redflag(ctx, "check_redflags", 0)
    if _got_worse(ctx):
        ctx.sess.stage = "check_redflag_brief"
        return ask(line("redflag_brief"), reprompt=line("redflag_reprompt"))
    return finish(ctx)


def answer_redflag(ctx: Ctx, yes: bool) -> Reply:
    """A red-flag answer during the check-in; any yes is an emergency."""
    if yes:
        store_checkin(ctx, completed=False)
        return screens.emergency(ctx)
    if ctx.sess.stage == "check_redflags":
        following = ctx.sess.question + 1
        if following < screens.redflag_count():
            return screens.ask_redflag(ctx, "check_redflags", following)
    return finish(ctx)


def finish(ctx: Ctx) -> Reply:
    """Assess, adapt next time, store (with consent), speak the feedback, and end."""
    sess, user = ctx.sess, ctx.user
    history = _history(ctx)
    result = _assess(
        ctx,
        worse_streak=user.worse_streak,
        further_streak=user.further_streak,
        favourable_streak=user.favourable_streak,
        history=history,
        now=ctx.now,
    )
    if result.further_down:
        # Safety adaptation, kept whatever the consent: that direction is not offered again.
        direction = dominant_direction(guiding.current_session(ctx).plan)
        if direction is not None and direction not in user.avoid_directions:
            user.avoid_directions.append(direction)
    if ctx.remembers_ratings:
        user.gentler_next = result.gentler_next
        user.worse_streak = result.worse_streak
        user.further_streak = result.further_streak
        user.favourable_streak = result.favourable_streak
    stored = store_checkin(ctx, completed=True)
    user.sessions_completed += 1
    user.last_routine = sess.routine_id
    user.resume = None
    parts: list[Ssml] = [line(f"feedback.{result.finding.value}")]
    if result.no_improvement:
        parts.append(line("feedback_no_improvement"))
    elif result.suggest_clinician and result.finding is not Finding.NEW_NUMBNESS:
        parts.append(line("feedback_clinician"))
    if ctx.remembers_ratings:
        parts.append(line("feedback_saved" if stored else "feedback_not_saved"))
    parts.append(line("goodbye"))
    log.info("check-in finished: %s", result.finding.value)
    sess.stage = "ended"
    return tell(*parts)
