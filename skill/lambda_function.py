"""The AWS Lambda entry point: `skill.lambda_function.handler`.

The same skill object the web app runs, built from `Settings.from_env()` on the first event and
kept for the life of the container, so importing this module costs nothing and warm invocations
skip the catalogue load. The adapter does what ask-sdk-core's `SkillBuilder.lambda_handler()` does:
event dict -> RequestEnvelope -> `skill.invoke` -> response dict. No signature check is needed
here: the Alexa Skills Kit trigger, scoped to the skill id, is the only way in.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill


@cache
def get_skill() -> CustomSkill:
    """The container's one skill object, built on first use from the environment."""
    from skill.builder import build_skill
    from skill.config import Settings

    return build_skill(Settings.from_env())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope (as Lambda hands it over) with a response envelope."""
    from ask_sdk_model.request_envelope import RequestEnvelope

    skill = get_skill()
    request_envelope = skill.serializer.deserialize(
        payload=json.dumps(event), obj_type=RequestEnvelope
    )
    response_envelope = skill.invoke(request_envelope=request_envelope, context=context)
    response = skill.serializer.serialize(response_envelope)
    if not isinstance(response, dict):
        raise TypeError(f"the skill answered with {type(response).__name__}, not an envelope")
    return response
