"""The baselines: a bare ask-sdk-core hello-world skill, and a bare Flask app wrapping it.

The skill is the SDK's own hello-world sample cut to the bone: one handler answers a launch,
another answers any intent, a third takes the end of a session, and a catch-all exception handler
apologises, so it does the SDK's dispatch and nothing else. Every benchmark runs it on the same
envelopes and the same machine as Gentle Back, so the ratio between the two is the cost of the
skill's own work. Flask is imported only when the web baseline is built, so the cold-start
baseline pays for the SDK alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils.predicate import is_request_type
from ask_sdk_model.response import Response

if TYPE_CHECKING:
    from flask import Flask


class LaunchHandler(AbstractRequestHandler):
    """Answers a launch with a greeting and keeps the session open."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        response: Response = builder.speak("Welcome, you can say hello.").ask("Say hello.").response
        return response


class HelloIntentHandler(AbstractRequestHandler):
    """Answers any intent with "Hello world!" and ends the session."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        response: Response = builder.speak("Hello world!").set_should_end_session(True).response
        return response


class SessionEndedHandler(AbstractRequestHandler):
    """Takes the end of a session silently."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        response: Response = handler_input.response_builder.response
        return response


class CatchAllHandler(AbstractExceptionHandler):
    """Apologises for anything else, as the sample does."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        builder = handler_input.response_builder
        response: Response = builder.speak("Sorry, I had trouble.").ask("Say hello.").response
        return response


def hello_builder() -> SkillBuilder:
    """The hello-world skill's builder (for its `lambda_handler()` as well as `create()`)."""
    builder = SkillBuilder()
    builder.add_request_handler(LaunchHandler())
    builder.add_request_handler(HelloIntentHandler())
    builder.add_request_handler(SessionEndedHandler())
    builder.add_exception_handler(CatchAllHandler())
    return builder


def hello_skill() -> CustomSkill:
    """The hello-world skill object."""
    skill: CustomSkill = hello_builder().create()
    return skill


def create_bare_app(alexa_path: str = "/alexa") -> Flask:
    """A bare Flask app around the hello-world skill: body in, `invoke`, JSON out; no checks."""
    from ask_sdk_model.request_envelope import RequestEnvelope
    from flask import Flask, jsonify, request

    skill = hello_skill()
    app = Flask(__name__)

    @app.post(alexa_path)
    def alexa() -> Any:
        payload = request.get_data(as_text=True)
        envelope = skill.serializer.deserialize(payload=payload, obj_type=RequestEnvelope)
        answer = skill.invoke(request_envelope=envelope, context=None)
        return jsonify(skill.serializer.serialize(answer))

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
