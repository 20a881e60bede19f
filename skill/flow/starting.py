"""Choosing a routine and the pre-session check: screening, red flags, urgent tier, scores."""

from __future__ import annotations

from datetime import datetime

from skill.flow import guiding, screens
from skill.flow.core import Ctx, Reply, ask, line, minutes_phrase, spoken_list
from skill.plan import plan_steps
from skill.safety import (
    FAVOURABLE_STREAK_TO_PROGRESS,
    RESUME_WINDOW,
    dominant_direction,
    urgent_screen_due,
)
from skill.schema import Routine
from skill.ssml import Ssml, text
from skill.state import ResumePoint
from skill.turns import build_session

#: Routines suggested per profile, first choice first; the next one is the step up after
#: sessions that went well. Gentler sessions prefer the first routine in GENTLE_FIRST.
SUGGESTION_ORDER: dict[str, tuple[str, ...]] = {
    "disc": ("gentle-lower-back", "disc-extension", "nerve-glides", "morning-five"),
    "stenosis": ("gentle-lower-back", "stenosis-flexion", "nerve-glides", "morning-five"),
    "unsure": ("gentle-lower-back", "morning-five", "nerve-glides", "bedtime-wind-down"),
}
GENTLE_FIRST: tuple[str, ...] = ("gentle-lower-back", "bedtime-wind-down", "legs-up-the-wall")


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def _usable(ctx: Ctx, routine: Routine) -> bool:
    """Whether to offer a routine: something is left to do, and the direction it leans on (as
    written, before anything is dropped) is not one that sent this user's symptoms further down.
    """
    profile = guiding.profile_of(ctx)
    avoided = guiding.avoided_directions(ctx)
    leaning = dominant_direction(plan_steps(routine, ctx.catalogue.poses, profile))
    remaining = plan_steps(routine, ctx.catalogue.poses, profile, avoid_directions=avoided)
    return bool(remaining) and leaning not in avoided


def suggest_routine(ctx: Ctx) -> tuple[str | None, bool]:
    """The routine to offer today, and whether it is a step up.

    After a worse session: the gentlest usable routine. After sessions that went well in a row:
    the next routine of the profile's progression. Otherwise the routine done last time, when it
    is still usable, or the profile's first choice.
    """
    routines = ctx.catalogue.routines
    usable = [r.id for r in ctx.catalogue.ordered() if _usable(ctx, r)]
    progression = [r for r in SUGGESTION_ORDER.get(guiding.profile_of(ctx), ()) if r in usable]
    if not usable:
        return None, False
    remembered = ctx.remembers_ratings
    if remembered and ctx.user.gentler_next:
        gentle = [r for r in GENTLE_FIRST if r in usable]
        return (gentle or progression or usable)[0], False
    last = ctx.user.last_routine
    if last in progression:
        position = progression.index(last)
        ready = remembered and ctx.user.favourable_streak >= FAVOURABLE_STREAK_TO_PROGRESS
        if ready and position + 1 < len(progression):
            return progression[position + 1], True
        return last, False
    if last in routines and last in usable:
        return last, False
    return (progression or usable)[0], False


def routine_minutes(ctx: Ctx, routine_id: str) -> str:
    session = build_session(
        ctx.catalogue,
        routine_id,
        profile=guiding.profile_of(ctx),
        avoid_directions=guiding.avoided_directions(ctx),
    )
    return minutes_phrase(session.planned_seconds)


def offer_suggestion(ctx: Ctx, preface: list[Ssml] | None = None) -> Reply:
    """Offer one routine by name (yes starts it), or ask which one."""
    parts = list(preface or [])
    routine_id, step_up = suggest_routine(ctx)
    if routine_id is None:
        return menu(ctx, parts)
    title = ctx.catalogue.routines[routine_id].title
    if ctx.remembers_ratings and ctx.user.gentler_next:
        parts.append(line("suggest_gentler"))
    elif step_up:
        parts.append(line("suggest_progress", routine=title))
    ctx.sess.stage = "confirm_routine"
    ctx.sess.pending_routine = routine_id
    return ask(
        *parts,
        line("suggest", routine=title, minutes=routine_minutes(ctx, routine_id)),
        reprompt=line("suggest_reprompt", routine=title),
    )


def menu(ctx: Ctx, preface: list[Ssml] | None = None) -> Reply:
    ctx.sess.stage = "menu"
    example = ctx.catalogue.ordered()[0].title
    return ask(
        *(preface or []), line("menu_question", routine=example), reprompt=line("menu_reprompt")
    )


def list_routines(ctx: Ctx, preface: list[Ssml] | None = None) -> Reply:
    names = [
        f"{r.title}, about {routine_minutes(ctx, r.id)}"
        for r in ctx.catalogue.ordered()
        if _usable(ctx, r)
    ]
    listing = line("list_routines", count=len(names), list=spoken_list(names))
    return menu(ctx, [*(preface or []), listing])


def resume_offer(ctx: Ctx, preface: list[Ssml]) -> Reply | None:
    """Offer to pick up an unfinished routine from the last week, if there is one."""
    point = ctx.user.resume
    if point is None or point.routine_id not in ctx.catalogue.routines:
        return None
    started = _parse(point.at)
    if started is None or ctx.now - started > RESUME_WINDOW:
        ctx.user.resume = None
        return None
    ctx.sess.stage = "resume_offer"
    title = ctx.catalogue.routines[point.routine_id].title
    return ask(*preface, line("resume_offer", routine=title), reprompt=line("resume_reprompt"))


def begin(
    ctx: Ctx, routine_id: str, preface: list[Ssml] | None = None, resume: ResumePoint | None = None
) -> Reply:
    """Start (or resume) a routine: set it up, then run the pre-session checks."""
    sess = ctx.sess
    sess.clear_routine()
    sess.routine_id = routine_id
    sess.pace = resume.pace if resume else ctx.user.pace
    sess.verbosity = resume.verbosity if resume else ctx.user.verbosity
    sess.gentler = resume.gentler if resume else (ctx.remembers_ratings and ctx.user.gentler_next)
    sess.screened_yes = ctx.user.screening.get(routine_id, False)
    sess.resume_turn = resume.turn if resume else None
    if resume is not None:
        sess.avoid_directions = list(resume.avoid_directions)
        sess.pre_back, sess.pre_leg = resume.pre_back, resume.pre_leg
    return advance(ctx, list(preface or []))


def advance(ctx: Ctx, preface: list[Ssml]) -> Reply:
    """Ask the next pre-session check that is due, or start the routine."""
    sess, user = ctx.sess, ctx.user
    assert sess.routine_id is not None
    routine = ctx.catalogue.routines[sess.routine_id]
    done = sess.checks_done
    if routine.screening is not None and routine.id not in user.screening:
        sess.stage = "screening"
        sess.question = 0
        intro = line("screening_intro", routine=routine.title)
        first = text(routine.screening.questions[0].ask)
        return ask(*preface, intro, first, reprompt=line("screening_reprompt"))
    if not sess.asked_redflags:
        sess.stage = "precheck_redflag"
        return ask(*preface, line("redflag_brief"), reprompt=line("redflag_reprompt"))
    if "urgent" not in done and urgent_screen_due(_parse(user.urgent_screened_at), ctx.now):
        sess.return_stage = "precheck"
        return screens.ask_urgent(ctx, 0, preface)
    if "pre_back" not in done and sess.resume_turn is None:
        sess.stage = "pre_back"
        sess.retries = 0
        return ask(*preface, line("pre_back"), reprompt=line("score_reprompt"))
    if "pre_leg" not in done and sess.resume_turn is None:
        sess.stage = "pre_leg"
        sess.retries = 0
        return ask(*preface, line("pre_leg"), reprompt=line("score_reprompt"))
    session = guiding.current_session(ctx)
    if not session.plan:
        sess.clear_routine()
        return menu(ctx, [*preface, line("nothing_to_do")])
    if sess.resume_turn is not None:
        start = guiding.step_start(session, min(sess.resume_turn, len(session.turns) - 1))
        return guiding.play(ctx, start, [*preface, line("resuming", routine=routine.title)])
    return guiding.play(ctx, 0, [*preface, line("starting", routine=routine.title)])


def answer_screening(ctx: Ctx, yes: bool) -> Reply:
    """Record one screening answer; any yes swaps poses as the routine says."""
    sess = ctx.sess
    assert sess.routine_id is not None
    screening = ctx.catalogue.routines[sess.routine_id].screening
    assert screening is not None
    if yes:
        ctx.user.screening[sess.routine_id] = True
        sess.screened_yes = True
        return advance(ctx, [text(screening.if_any_yes)])
    following = sess.question + 1
    if following < len(screening.questions):
        sess.question = following
        return ask(text(screening.questions[following].ask), reprompt=line("screening_reprompt"))
    ctx.user.screening[sess.routine_id] = False
    return advance(ctx, [line("screening_all_no")])
