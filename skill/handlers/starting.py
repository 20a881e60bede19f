"""Handlers for choosing a routine: by name, by suggestion, from the list, or resuming."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.flow import guiding, prompts, starting
from skill.flow.core import Ctx, Reply, line
from skill.handlers.edge import IntentHandler, slot

#: Longest routine name said back when it isn't known (slot values can be arbitrarily long).
MAX_ECHOED_CHARS = 60
#: Stages where the user may pick a routine; elsewhere a question is waiting for its answer.
CHOOSING = frozenset({"start", "menu", "confirm_routine", "resume_offer", "ended", "routine"})


class StartRoutineHandler(IntentHandler):
    """Answers "start legs up the wall" and other routine names."""

    intents = ("StartRoutineIntent",)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage in CHOOSING

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        raw, resolved = slot(handler_input, "routine")
        routine = ctx.catalogue.routines.get(resolved or "") or (
            ctx.catalogue.find_routine(raw) if raw else None
        )
        if routine is None and raw:
            heard = raw if len(raw) <= MAX_ECHOED_CHARS else raw[:MAX_ECHOED_CHARS] + "…"
            return starting.list_routines(ctx, [line("unknown_routine", name=heard)])
        if routine is None:
            return starting.offer_suggestion(ctx)
        return starting.begin(ctx, routine.id)


class SuggestRoutineHandler(IntentHandler):
    """Answers "do my stretches" and "something for sciatica" with a suggestion."""

    intents = ("SuggestRoutineIntent",)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage in CHOOSING

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return starting.offer_suggestion(ctx)


class ListRoutinesHandler(IntentHandler):
    """Answers "what routines are there"."""

    intents = ("ListRoutinesIntent",)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage in CHOOSING

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return starting.list_routines(ctx)


class ResumeHandler(IntentHandler):
    """Answers "resume": the current pose again, or the routine saved last time."""

    intents = ("AMAZON.ResumeIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        if ctx.sess.stage == "routine":
            session = guiding.current_session(ctx)
            return guiding.play(ctx, guiding.step_start(session, ctx.sess.turn))
        point = ctx.user.resume
        if ctx.sess.stage in CHOOSING and point is not None:
            return starting.begin(ctx, point.routine_id, resume=point)
        return prompts.not_now(ctx)
