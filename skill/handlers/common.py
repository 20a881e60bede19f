"""Handlers that apply at any moment: stop, help, fallback, session end, and errors."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_request_type
from ask_sdk_model.response import Response
from ask_sdk_model.session_ended_request import SessionEndedRequest

from skill.flow import answers, checkin, guiding, onboarding, prompts
from skill.flow.core import Ctx, Reply, line, tell
from skill.handlers.edge import IntentHandler, ctx_of, respond, slot

log = logging.getLogger("gentle_back.handlers")


class StopHandler(IntentHandler):
    """Answers stop, cancel and "go home" at any moment, keeping the routine position."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.stop(ctx)


class HelpHandler(IntentHandler):
    """Answers help with what fits this moment, then asks the waiting question again."""

    intents = ("AMAZON.HelpIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return prompts.help_reply(ctx)


class FallbackHandler(IntentHandler):
    """Answers anything unrecognised: an unclear answer where one is expected, else re-orients."""

    intents = ("AMAZON.FallbackIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        stage = ctx.sess.stage
        if stage in checkin.SCORE_STAGES:
            return answers.answer_score(ctx, None)
        if stage in {"check_trend", "symptom"}:
            return answers.answer_leg_trend(ctx, None)
        if stage == "profile":
            return onboarding.answer_profile(ctx, None)
        return prompts.not_now(ctx)


class UnexpectedIntentHandler(IntentHandler):
    """Any known intent said where it doesn't fit: say so and ask the waiting question again."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        # A number or a word where a score is expected still goes through score hygiene.
        if ctx.sess.stage in checkin.SCORE_STAGES:
            raw, _ = slot(handler_input, "score")
            return answers.answer_score(ctx, raw)
        return prompts.not_now(ctx)


class SessionEndedHandler(AbstractRequestHandler):
    """Silence or leaving: keep the routine position for resuming. No speech is allowed here."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = ctx_of(handler_input)
        request = handler_input.request_envelope.request
        if isinstance(request, SessionEndedRequest):
            log.info("session ended: %s", request.reason)
        if ctx.sess.stage in {"routine", "symptom"}:
            ctx.sess.stage = "routine"
            guiding.save_resume_point(ctx)
        ctx.sess.stage = "ended"
        response: Response = handler_input.response_builder.response
        return response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Any unexpected error: apologise, log the traceback, and end gracefully."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("unhandled error", exc_info=exception)
        if is_request_type("SessionEndedRequest")(handler_input):
            response: Response = handler_input.response_builder.response
            return response
        return respond(handler_input, tell(line("error")))
