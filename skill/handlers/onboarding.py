"""Handlers for opening the skill and answering the set-up and safety questions."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_request_type
from ask_sdk_model.response import Response

from skill.flow import answers, onboarding, screens
from skill.flow.core import Ctx, Reply, line
from skill.handlers.edge import IntentHandler, ctx_of, intent_name, respond, slot

#: Intents that are answered even before onboarding is complete.
ALWAYS_ANSWERED = frozenset(
    {
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.NavigateHomeIntent",
        "AMAZON.HelpIntent",
        "ForgetDataIntent",
    }
)


class LaunchHandler(IntentHandler):
    """Answers "open Gentle Back": follow-ups, onboarding, resume, or a suggestion."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = ctx_of(handler_input)
        ctx.sess.stage = "start"
        return respond(handler_input, onboarding.launch(ctx))


class NewSessionGateHandler(IntentHandler):
    """An intent that opens a session ("ask Gentle Back to ...") before set-up or a safety
    acknowledgement is done goes through the launch path first; a named routine is kept."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        name = intent_name(handler_input)
        if name is None or name in ALWAYS_ANSWERED:
            return False
        ctx = ctx_of(handler_input)
        if not ctx.new_session:
            return False
        return screens.needs_followup(ctx) or onboarding.needs_onboarding(ctx)

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = ctx_of(handler_input)
        if intent_name(handler_input) == "StartRoutineIntent":
            raw, resolved = slot(handler_input, "routine")
            routine = ctx.catalogue.routines.get(resolved or "") or (
                ctx.catalogue.find_routine(raw) if raw else None
            )
            ctx.sess.pending_routine = routine.id if routine else None
        ctx.sess.stage = "start"
        return respond(handler_input, onboarding.launch(ctx))


class YesHandler(IntentHandler):
    """Answers yes to whatever the current stage asked."""

    intents = ("AMAZON.YesIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.answer_yes_no(ctx, True)


class NoHandler(IntentHandler):
    """Answers no to whatever the current stage asked."""

    intents = ("AMAZON.NoIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.answer_yes_no(ctx, False)


class ConditionHandler(IntentHandler):
    """Answers the profile question: disc, stenosis, or not sure."""

    intents = ("ConditionIntent",)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage == "profile"

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        _, resolved = slot(handler_input, "condition")
        return onboarding.answer_profile(ctx, resolved)


class ChangeConditionHandler(IntentHandler):
    """Answers "change my condition" by asking the profile question again."""

    intents = ("ChangeConditionIntent",)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage in {"start", "menu", "confirm_routine", "resume_offer", "ended"}

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        ctx.sess.stage = "profile"
        ctx.sess.retries = 0
        ctx.sess.return_stage = "menu"
        return Reply([line("change_condition"), line("profile_question")], line("profile_reprompt"))
