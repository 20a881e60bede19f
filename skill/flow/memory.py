"""What the skill remembers, said back and changed by voice: trend, consent, forgetting."""

from __future__ import annotations

from skill.flow import prompts
from skill.flow.core import Ctx, Reply, ask, line, tell
from skill.safety import trend
from skill.ssml import Ssml


def _span(days: int) -> str:
    if days >= 14:
        weeks = round(days / 7)
        return f"{weeks} weeks"
    if days >= 7:
        return "week"
    return f"{days} day{'s' if days != 1 else ''}"


def how_am_i_doing(ctx: Ctx) -> Reply:
    """A spoken trend over recent check-ins, or why there isn't one."""
    if not ctx.remembers_ratings or ctx.store is None:
        return prompts.repeat_question(ctx, [line("trend_no_consent")])
    history = ctx.store.recent_checkins(ctx.store.user_key(ctx.user_id))
    found = trend(history, ctx.now)
    if found is None:
        return prompts.repeat_question(ctx, [line("trend_none")])
    parts: list[Ssml] = []
    if found.back is not None:
        first, last = found.back
        parts.append(line("trend_back", first=first, last=last, span=_span(found.days)))
    if found.leg is not None:
        first, last = found.leg
        parts.append(line("trend_leg", first=first, last=last))
    parts.append(line("trend_sessions", count=found.sessions))
    return prompts.repeat_question(ctx, parts)


def forget(ctx: Ctx) -> Reply:
    ctx.sess.return_stage = ctx.sess.stage
    ctx.sess.stage = "forget_confirm"
    return ask(line("forget_question"), reprompt=line("forget_reprompt"))


def answer_forget(ctx: Ctx, yes: bool) -> Reply:
    """On yes, delete every row of this user's (attributes and check-ins) and end."""
    if yes:
        if ctx.store is not None:
            ctx.store.delete_user(ctx.store.user_key(ctx.user_id))
        ctx.deleted = True
        ctx.sess.stage = "ended"
        return tell(line("forget_done"))
    ctx.sess.stage = ctx.sess.return_stage or "menu"
    ctx.sess.return_stage = None
    return prompts.repeat_question(ctx, [line("forget_kept")])


def stop_remembering(ctx: Ctx) -> Reply:
    ctx.user.consent = False
    ctx.user.forget_adaptation()
    return prompts.repeat_question(ctx, [line("stop_remembering")])


def remember_scores(ctx: Ctx) -> Reply:
    if not ctx.settings.store_ratings:
        return prompts.repeat_question(ctx, [line("storage_off")])
    ctx.user.consent = True
    return prompts.repeat_question(ctx, [line("remember_scores")])
