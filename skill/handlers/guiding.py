"""Handlers used while a routine plays: moving around, pace, detail, symptoms, pausing."""

from __future__ import annotations

from typing import ClassVar

from ask_sdk_core.handler_input import HandlerInput

from skill.flow import answers, prompts
from skill.flow.core import Ctx, Reply
from skill.handlers.edge import IntentHandler, intent_name

NAVIGATION: dict[str, str] = {
    "AMAZON.NextIntent": "next",
    "ContinueIntent": "continue",
    "AMAZON.PreviousIntent": "previous",
    "AMAZON.RepeatIntent": "repeat",
    "AMAZON.StartOverIntent": "start_over",
    "SkipPoseIntent": "skip",
}


class NavigationHandler(IntentHandler):
    """Answers next, continue, previous, repeat, start over and skip during a routine."""

    intents = tuple(NAVIGATION)

    def applies(self, ctx: Ctx) -> bool:
        return ctx.sess.stage == "routine"

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.navigate(ctx, NAVIGATION[intent_name(handler_input) or ""])


class RepeatQuestionHandler(IntentHandler):
    """Answers "repeat" outside a routine by asking the current question again."""

    intents = ("AMAZON.RepeatIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return prompts.repeat_question(ctx, [])


class PauseHandler(IntentHandler):
    """Answers "pause": keeps the position and ends the session until the user returns."""

    intents = ("AMAZON.PauseIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.pause(ctx)


class PaceHandler(IntentHandler):
    """Answers "slower" and "faster"."""

    intents = ("SlowerIntent", "FasterIntent")

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.change_pace(ctx, faster=intent_name(handler_input) == "FasterIntent")


class VerbosityHandler(IntentHandler):
    """Answers "less talking" and "more detail"."""

    intents = ("LessTalkingIntent", "MoreDetailIntent")
    LEVELS: ClassVar[dict[str, str]] = {"LessTalkingIntent": "brief", "MoreDetailIntent": "full"}

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.change_verbosity(ctx, self.LEVELS[intent_name(handler_input) or ""])


class SymptomHandler(IntentHandler):
    """Answers "this hurts" and "my leg is tingling" by asking where the symptoms went."""

    intents = ("SymptomIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return answers.symptom_reported(ctx)
