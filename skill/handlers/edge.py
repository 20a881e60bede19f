"""What every handler shares: the turn's context, slot reading, and building the response."""

from __future__ import annotations

from typing import ClassVar

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_intent_name
from ask_sdk_core.utils.request_util import get_slot
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.response import Response
from ask_sdk_model.slu.entityresolution.status_code import StatusCode

from skill.flow.core import Ctx, Reply

CTX_KEY = "gentle_back_ctx"


def ctx_of(handler_input: HandlerInput) -> Ctx:
    ctx = handler_input.attributes_manager.request_attributes[CTX_KEY]
    assert isinstance(ctx, Ctx)
    return ctx


def slot(handler_input: HandlerInput, name: str) -> tuple[str | None, str | None]:
    """A slot's raw words and, when entity resolution matched, the value id."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None, None
    found = get_slot(handler_input, name) if request.intent.slots else None
    if found is None:
        return None, None
    raw = found.value if isinstance(found.value, str) else None
    resolutions = found.resolutions
    for authority in (resolutions.resolutions_per_authority or []) if resolutions else []:
        status = authority.status.code if authority.status else None
        if status == StatusCode.ER_SUCCESS_MATCH and authority.values:
            value = authority.values[0].value
            if value is not None and value.id:
                return raw, str(value.id)
    return raw, None


def respond(handler_input: HandlerInput, reply: Reply) -> Response:
    """Build the response; `shouldEndSession` is always set explicitly."""
    builder = handler_input.response_builder
    builder.speak(reply.speech)
    if reply.end:
        builder.set_should_end_session(True)
    else:
        builder.ask(reply.reprompt or reply.speech)
        builder.set_should_end_session(False)
    response: Response = builder.response
    return response


class IntentHandler(AbstractRequestHandler):
    """Answers the intents in `intents` when `applies` holds for the current stage."""

    intents: ClassVar[tuple[str, ...]] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not any(is_intent_name(name)(handler_input) for name in self.intents):
            return False
        return self.applies(ctx_of(handler_input))

    def applies(self, ctx: Ctx) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, self.answer(ctx_of(handler_input), handler_input))

    def answer(self, ctx: Ctx, handler_input: HandlerInput) -> Reply:
        raise NotImplementedError


def intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        return str(request.intent.name)
    return None
