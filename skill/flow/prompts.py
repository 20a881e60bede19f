"""The question each stage is waiting on: re-asked after help, fallback, repeat or silence."""

from __future__ import annotations

from skill.flow import guiding, screens
from skill.flow.core import Ctx, Reply, ask, line
from skill.ssml import Ssml, text
from skill.state import ROUTINE_STAGES

ONBOARDING = {"disclaimer", "consent", "profile", "redflags", "urgent"}
CHECKIN = frozenset(s for s in ROUTINE_STAGES if s.startswith("check_"))


def question(ctx: Ctx) -> tuple[list[Ssml], Ssml]:
    """The current stage's question and its reprompt."""
    sess = ctx.sess
    stage = sess.stage
    simple = {
        "disclaimer": ("disclaimer_question", "disclaimer_reprompt"),
        "consent": ("consent_question", "consent_reprompt"),
        "profile": ("profile_question", "profile_reprompt"),
        "precheck_redflag": ("redflag_brief", "redflag_reprompt"),
        "check_redflag_brief": ("redflag_brief", "redflag_reprompt"),
        "pre_back": ("pre_back", "score_reprompt"),
        "pre_leg": ("pre_leg", "score_reprompt"),
        "check_back": ("check_back", "score_reprompt"),
        "check_leg": ("check_leg", "score_reprompt"),
        "check_trend": ("check_trend", "check_trend_reprompt"),
        "check_numbness": ("check_numbness", "check_numbness_reprompt"),
        "symptom": ("symptom_question", "symptom_reprompt"),
        "forget_confirm": ("forget_question", "forget_reprompt"),
        "emergency_followup": ("emergency_followup", "emergency_followup_reprompt"),
        "urgent_followup": ("urgent_followup", "urgent_followup_reprompt"),
        "resume_offer": ("resume_reprompt", "resume_reprompt"),
    }
    if stage in simple:
        key, reprompt = simple[stage]
        return [line(key)], line(reprompt)
    if stage in {"redflags", "check_redflags"}:
        return [screens.redflag_question(sess.question)], line("redflag_reprompt")
    if stage == "urgent":
        return [screens.urgent_question(sess.question)], line("redflag_reprompt")
    if stage == "screening" and sess.routine_id is not None:
        screening = ctx.catalogue.routines[sess.routine_id].screening
        if screening is not None:
            asked = screening.questions[min(sess.question, len(screening.questions) - 1)]
            return [text(asked.ask)], line("screening_reprompt")
    pending = ctx.catalogue.routines.get(sess.pending_routine or "")
    if stage == "confirm_routine" and pending is not None:
        title = pending.title
        return [line("suggest_reprompt", routine=title)], line("suggest_reprompt", routine=title)
    if stage == "routine" and sess.routine_id is not None:
        turns = guiding.current_session(ctx).turns
        turn = turns[min(sess.turn, len(turns) - 1)]
        return [turn.prompt], turn.reprompt
    example = ctx.catalogue.ordered()[0].title
    sess.stage = "menu"
    return [line("menu_question", routine=example)], line("menu_reprompt")


def repeat_question(ctx: Ctx, preface: list[Ssml]) -> Reply:
    """Say `preface`, then ask the current stage's question again."""
    asked, reprompt = question(ctx)
    return ask(*preface, *asked, reprompt=reprompt)


def not_now(ctx: Ctx) -> Reply:
    """An answer that doesn't fit this moment: say so gently and re-orient."""
    return repeat_question(ctx, [line("fallback")])


def help_topic(ctx: Ctx) -> str:
    stage = ctx.sess.stage
    if stage in ONBOARDING:
        return "help.onboarding"
    if stage in {"routine", "symptom"}:
        return "help.routine"
    if stage in CHECKIN or stage in {"pre_back", "pre_leg"}:
        return "help.checkin"
    if stage in {"menu", "confirm_routine", "resume_offer", "start", "ended"}:
        return "help.menu"
    return "help.question"


def help_reply(ctx: Ctx) -> Reply:
    return repeat_question(ctx, [line(help_topic(ctx))])
