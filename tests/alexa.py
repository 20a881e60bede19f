"""Drive the real skill with real request envelopes, turn by turn, checking every response.

Envelopes are built as the JSON Alexa sends and deserialized by ask-sdk-core's serializer, so
the skill sees exactly what it would see in production. Every response is serialized back and
checked: it deserializes as a ResponseEnvelope, sets shouldEndSession explicitly, and keeps its
SSML within Alexa's limits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response_envelope import ResponseEnvelope

from skill.limits import MAX_RESPONSE_BYTES
from skill.ssml import check, plain

SERIALIZER = DefaultSerializer()
APP_ID = "amzn1.ask.skill.test-gentle-back"
TEST_SECRET = b"test-secret-for-user-keys-0123456789"

Slot = str | tuple[str, str | None]


def slot_json(name: str, value: Slot) -> dict[str, Any]:
    """A slot as Alexa sends it; a (raw, id) pair adds an entity-resolution match (or no match)."""
    if isinstance(value, str):
        return {"name": name, "value": value, "confirmationStatus": "NONE"}
    raw, resolved = value
    status = "ER_SUCCESS_MATCH" if resolved else "ER_SUCCESS_NO_MATCH"
    authority: dict[str, Any] = {
        "authority": f"amzn1.er-authority.echo-sdk.{APP_ID}.TYPE",
        "status": {"code": status},
    }
    if resolved:
        authority["values"] = [{"value": {"name": raw, "id": resolved}}]
    return {
        "name": name,
        "value": raw,
        "confirmationStatus": "NONE",
        "resolutions": {"resolutionsPerAuthority": [authority]},
    }


@dataclass
class Turn:
    """One response, with the checks every response must pass already done."""

    body: dict[str, Any]
    envelope: ResponseEnvelope

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.body.get("response") or {})

    @property
    def ssml(self) -> str:
        speech = self.response.get("outputSpeech") or {}
        return str(speech.get("ssml", ""))

    @property
    def text(self) -> str:
        return plain(self.ssml) if self.ssml else ""

    @property
    def reprompt_text(self) -> str:
        reprompt = (self.response.get("reprompt") or {}).get("outputSpeech") or {}
        return plain(reprompt["ssml"]) if reprompt.get("ssml") else ""

    @property
    def ended(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    def says(self, *phrases: str) -> bool:
        lowered = self.text.lower()
        return all(p.lower() in lowered for p in phrases)


@dataclass
class Conversation:
    """One user talking to the skill across sessions, with a controllable clock."""

    skill: CustomSkill
    user_id: str = "amzn1.ask.account.TESTUSER123"
    locale: str = "en-US"
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    attributes: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    history: list[Turn] = field(default_factory=list)

    def _envelope(self, request: dict[str, Any]) -> RequestEnvelope:
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        system = {
            "application": {"applicationId": APP_ID},
            "user": {"userId": self.user_id},
            "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
            "apiEndpoint": "https://api.amazonalexa.com",
            "apiAccessToken": "test-token",
        }
        body = {
            "version": "1.0",
            "session": {
                "new": new,
                "sessionId": self.session_id,
                "application": {"applicationId": APP_ID},
                "attributes": self.attributes,
                "user": {"userId": self.user_id},
            },
            "context": {"System": system},
            "request": {
                "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                "timestamp": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "locale": self.locale,
                **request,
            },
        }
        envelope: RequestEnvelope = SERIALIZER.deserialize(json.dumps(body), RequestEnvelope)
        return envelope

    def _send(self, request: dict[str, Any]) -> Turn:
        envelope = self._envelope(request)
        response = self.skill.invoke(request_envelope=envelope, context=None)
        raw = SERIALIZER.serialize(response)
        text = json.dumps(raw)
        assert len(text.encode()) <= MAX_RESPONSE_BYTES, "response over the size limit"
        parsed: ResponseEnvelope = SERIALIZER.deserialize(text, ResponseEnvelope)
        turn = Turn(json.loads(text), parsed)
        self._check(turn, request["type"])
        self.attributes = dict(turn.body.get("sessionAttributes") or {})
        if request["type"] == "SessionEndedRequest" or turn.ended:
            self.session_id = None
        self.history.append(turn)
        self.now += timedelta(seconds=30)
        return turn

    @staticmethod
    def _check(turn: Turn, request_type: str) -> None:
        if request_type == "SessionEndedRequest":
            assert "outputSpeech" not in turn.response, "no speech after a session ends"
            return
        assert "shouldEndSession" in turn.response, "shouldEndSession must be explicit"
        assert turn.ssml, "every answer speaks"
        problems = check(turn.ssml)
        assert not problems, problems
        if not turn.ended:
            reprompt = turn.response["reprompt"]["outputSpeech"]["ssml"]
            assert not check(reprompt), check(reprompt)

    def launch(self) -> Turn:
        return self._send({"type": "LaunchRequest"})

    def say(self, intent: str, **slots: Slot) -> Turn:
        return self._send(
            {
                "type": "IntentRequest",
                "dialogState": "STARTED",
                "intent": {
                    "name": intent,
                    "confirmationStatus": "NONE",
                    "slots": {name: slot_json(name, value) for name, value in slots.items()},
                },
            }
        )

    def yes(self) -> Turn:
        return self.say("AMAZON.YesIntent")

    def no(self) -> Turn:
        return self.say("AMAZON.NoIntent")

    def score(self, value: str) -> Turn:
        return self.say("PainScoreIntent", score=value)

    def session_ended(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> Turn:
        return self._send({"type": "SessionEndedRequest", "reason": reason})

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)
