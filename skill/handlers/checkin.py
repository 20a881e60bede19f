"""Handlers for pain scores and leg-symptom answers (before, during and after a routine)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.flow import answers
from skill.flow.core import Ctx, Reply
from skill.handlers.edge import IntentHandler, slot


class PainScoreHandler(IntentHandler):
    """Answers a 0-10 pain score; anything else gets one gentle re-ask."""

    intents = ("PainScoreIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        raw, _ = slot(handler_input, "score")
        return answers.answer_score(ctx, raw)


class LegTrendHandler(IntentHandler):
    """Answers "further down", "about the same" or "closer to my back"."""

    intents = ("LegTrendIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        _, resolved = slot(handler_input, "trend")
        return answers.answer_leg_trend(ctx, resolved)
