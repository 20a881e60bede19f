"""First run and every launch: the disclaimer, consent, profile, red-flag screen, welcome."""

from __future__ import annotations

from datetime import datetime

from skill.choices import PROFILES
from skill.flow import screens, starting
from skill.flow.core import Ctx, Reply, ask, line, tell
from skill.safety import urgent_screen_due
from skill.ssml import Ssml
from skill.state import iso


def needs_onboarding(ctx: Ctx) -> bool:
    user = ctx.user
    return (
        user.disclaimer_at is None
        or (user.consent is None and ctx.settings.store_ratings)
        or user.profile is None
        or user.redflags_screened_at is None
    )


def advance(ctx: Ctx, preface: list[Ssml] | None = None) -> Reply:
    """Ask the next onboarding question, or finish onboarding and move on."""
    parts = list(preface or [])
    user, sess = ctx.user, ctx.sess
    if user.disclaimer_at is None:
        sess.stage = "disclaimer"
        return ask(
            *parts,
            line("welcome_first"),
            line("disclaimer"),
            line("disclaimer_question"),
            reprompt=line("disclaimer_reprompt"),
        )
    if user.consent is None and ctx.settings.store_ratings:
        sess.stage = "consent"
        return ask(*parts, line("consent_question"), reprompt=line("consent_reprompt"))
    if user.profile is None:
        sess.stage = "profile"
        sess.retries = 0
        return ask(*parts, line("profile_question"), reprompt=line("profile_reprompt"))
    if user.redflags_screened_at is None:
        return screens.ask_redflag(ctx, "redflags", 0, [*parts, line("redflag_intro")])
    last_urgent = (
        datetime.fromisoformat(user.urgent_screened_at) if user.urgent_screened_at else None
    )
    if urgent_screen_due(last_urgent, ctx.now):
        sess.return_stage = "onboarding"
        return screens.ask_urgent(ctx, 0, parts)
    return after_onboarding(ctx, parts)


def after_onboarding(ctx: Ctx, parts: list[Ssml]) -> Reply:
    sess = ctx.sess
    pending = sess.pending_routine
    if sess.stage in {"redflags", "urgent"}:
        parts = [*parts, line("onboarding_done")]
    if pending is not None and pending in ctx.catalogue.routines:
        return starting.begin(ctx, pending, parts)
    return starting.offer_suggestion(ctx, parts)


def launch(ctx: Ctx) -> Reply:
    """A new session: safety follow-ups first, then onboarding, resume, or a suggestion."""
    if screens.needs_followup(ctx):
        return screens.followup_question(ctx)
    if needs_onboarding(ctx):
        return advance(ctx)
    welcome = [line("welcome_back")]
    if ctx.sess.pending_routine is not None:
        return starting.begin(ctx, ctx.sess.pending_routine, welcome)
    offer = starting.resume_offer(ctx, welcome)
    return offer if offer is not None else starting.offer_suggestion(ctx, welcome)


def answer_disclaimer(ctx: Ctx, yes: bool) -> Reply:
    if not yes:
        ctx.sess.stage = "ended"
        return tell(line("disclaimer_declined"))
    ctx.user.disclaimer_at = iso(ctx.now)
    return advance(ctx)


def answer_consent(ctx: Ctx, yes: bool) -> Reply:
    ctx.user.consent = yes
    if not yes:
        ctx.user.forget_adaptation()
    return advance(ctx, [line("consent_yes" if yes else "consent_no")])


def answer_profile(ctx: Ctx, profile: str | None) -> Reply:
    """Store the profile; re-ask once when unclear, then fall back to the conservative one."""
    sess = ctx.sess
    parts: list[Ssml] = []
    if profile not in PROFILES:
        if sess.retries == 0:
            sess.retries = 1
            return ask(line("profile_retry"), reprompt=line("profile_reprompt"))
        profile = "unsure"
        parts.append(line("profile_default_unsure"))
    else:
        parts.append(line(f"profile_saved.{profile}"))
    sess.retries = 0
    ctx.user.profile = profile
    if sess.return_stage == "menu":
        sess.return_stage = None
        return starting.offer_suggestion(ctx, parts)
    return advance(ctx, parts)


def answer_redflag(ctx: Ctx, yes: bool) -> Reply:
    """One answer of the full red-flag screen (onboarding or check-in)."""
    if yes:
        return screens.emergency(ctx)
    following = ctx.sess.question + 1
    if following < screens.redflag_count():
        return screens.ask_redflag(ctx, ctx.sess.stage, following)
    if ctx.sess.stage == "redflags":
        ctx.user.redflags_screened_at = iso(ctx.now)
        ctx.sess.asked_redflags = True
        return advance(ctx)
    raise ValueError(f"no red-flag screen at stage {ctx.sess.stage}")


def answer_urgent(ctx: Ctx, yes: bool) -> Reply:
    if yes:
        return screens.urgent_stop(ctx)
    following = ctx.sess.question + 1
    if following < screens.urgent_count():
        return screens.ask_urgent(ctx, following)
    ctx.user.urgent_screened_at = iso(ctx.now)
    if ctx.sess.return_stage == "precheck" and ctx.sess.routine_id is not None:
        ctx.sess.return_stage = None
        ctx.sess.checks_done.append("urgent")
        return starting.advance(ctx, [])
    ctx.sess.return_stage = None
    return advance(ctx)


def answer_followup(ctx: Ctx, yes: bool) -> Reply:
    ended = screens.answer_followup(ctx, yes)
    if ended is not None:
        return ended
    return launch_after_followup(ctx)


def launch_after_followup(ctx: Ctx) -> Reply:
    if needs_onboarding(ctx):
        return advance(ctx, [line("followup_cleared")])
    return starting.offer_suggestion(ctx, [line("followup_cleared")])
