"""Request envelopes as Alexa sends them: JSON-able dicts that deserialize into ask-sdk-model types.

Each builder returns the dict (what goes over HTTP and what `--json` prints); `to_request_envelope`
turns one into a `RequestEnvelope` for the in-process skill. Field names, id prefixes and the
entity-resolution block follow the request JSON reference; timestamps are "now" in UTC.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.sim.nlu import Resolution, SlotFill

Json = dict[str, Any]

SIM_APPLICATION_ID = "amzn1.ask.skill.SIM-gentle-back"
API_ENDPOINT = "https://api.amazonalexa.com"


def user_id_for(name: str) -> str:
    """Return the Amazon user id the simulator uses for the user called `name`."""
    return f"amzn1.ask.account.SIM-{name}"


@dataclass(frozen=True)
class Caller:
    """Who is talking to which skill, from which device, in which locale."""

    application_id: str
    user_name: str
    locale: str = "en-US"

    @property
    def user_id(self) -> str:
        """The user's Amazon id, `amzn1.ask.account.SIM-<name>`."""
        return user_id_for(self.user_name)

    @property
    def device_id(self) -> str:
        """A device id per user, so two simulated users never share a device."""
        return f"amzn1.ask.device.SIM-{self.user_name}"


@dataclass
class SessionState:
    """The open session: its id, whether the next request is its first, and its attributes."""

    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    new: bool = True
    attributes: Json = field(default_factory=dict)


def _request(kind: str, locale: str, **fields: Any) -> Json:
    return {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": locale,
        **fields,
    }


def _envelope(
    caller: Caller, session: SessionState | None, request: Json, audio: Json | None = None
) -> Json:
    application = {"applicationId": caller.application_id}
    user = {"userId": caller.user_id}
    context: Json = {
        "System": {
            "application": application,
            "user": user,
            "device": {"deviceId": caller.device_id, "supportedInterfaces": {}},
            "apiEndpoint": API_ENDPOINT,
            "apiAccessToken": "sim",
        }
    }
    if audio is not None:
        context["AudioPlayer"] = audio
    envelope: Json = {"version": "1.0", "context": context, "request": request}
    if session is not None:
        envelope["session"] = {
            "new": session.new,
            "sessionId": session.session_id,
            "application": application,
            "user": user,
            "attributes": dict(session.attributes),
        }
    return envelope


def slot_json(fill: SlotFill, application_id: str) -> Json:
    """Return one slot as Alexa sends it, with `resolutions` for custom types and `slotValue`."""
    slot: Json = {"name": fill.name, "confirmationStatus": "NONE"}
    if fill.value is None:
        return slot
    simple: Json = {"type": "Simple", "value": fill.value}
    slot.update(value=fill.value, source="USER")
    if fill.status is not None:
        authority: Json = {
            "authority": f"amzn1.er-authority.echo-sdk.{application_id}.{fill.type}",
            "status": {"code": fill.status},
        }
        if fill.resolved_id is not None:
            authority["values"] = [{"value": {"name": fill.resolved_name, "id": fill.resolved_id}}]
        resolutions = {"resolutionsPerAuthority": [authority]}
        slot["resolutions"] = simple["resolutions"] = resolutions
    slot["slotValue"] = simple
    return slot


def launch_request(caller: Caller, session: SessionState) -> Json:
    """A LaunchRequest: "open gentle back"."""
    return _envelope(caller, session, _request("LaunchRequest", caller.locale))


def intent_request(caller: Caller, session: SessionState, resolution: Resolution) -> Json:
    """An IntentRequest for a resolved utterance, every slot of the intent present."""
    slots = {fill.name: slot_json(fill, caller.application_id) for fill in resolution.slots}
    intent = {"name": resolution.intent, "confirmationStatus": "NONE", "slots": slots}
    return _envelope(caller, session, _request("IntentRequest", caller.locale, intent=intent))


def session_ended_request(caller: Caller, session: SessionState, reason: str) -> Json:
    """A SessionEndedRequest (reason USER_INITIATED, EXCEEDED_MAX_REPROMPTS or ERROR)."""
    request = _request("SessionEndedRequest", caller.locale, reason=reason)
    return _envelope(caller, session, request)


def audio_player_event(caller: Caller, kind: str, token: str, offset_ms: int) -> Json:
    """An AudioPlayer event such as `AudioPlayer.PlaybackFinished`: no session, as Alexa sends."""
    request = _request(kind, caller.locale, token=token, offsetInMilliseconds=offset_ms)
    activity = {
        "AudioPlayer.PlaybackFinished": "FINISHED",
        "AudioPlayer.PlaybackStopped": "STOPPED",
    }.get(kind, "PLAYING")
    audio = {"token": token, "offsetInMilliseconds": offset_ms, "playerActivity": activity}
    return _envelope(caller, None, request, audio)


def to_request_envelope(data: Json) -> RequestEnvelope:
    """Deserialize an envelope dict into the `RequestEnvelope` the SDK hands to handlers."""
    envelope: RequestEnvelope = DefaultSerializer().deserialize(json.dumps(data), RequestEnvelope)
    return envelope
