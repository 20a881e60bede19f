"""Handlers for the user's data: trend, forgetting, and consent to remember scores."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.flow import memory
from skill.flow.core import Ctx, Reply
from skill.handlers.edge import IntentHandler


class TrendHandler(IntentHandler):
    """Answers "how am I doing" with the trend of saved check-ins."""

    intents = ("TrendIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return memory.how_am_i_doing(ctx)


class ForgetDataHandler(IntentHandler):
    """Answers "forget my data": confirm, then delete everything for this user."""

    intents = ("ForgetDataIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return memory.forget(ctx)


class StopRememberingHandler(IntentHandler):
    """Answers "stop remembering my scores"."""

    intents = ("StopRememberingIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return memory.stop_remembering(ctx)


class RememberScoresHandler(IntentHandler):
    """Answers "remember my scores"."""

    intents = ("RememberScoresIntent",)

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        return memory.remember_scores(ctx)
