"""The conversation driver: typed turns -> requests -> the skill, with Alexa's session rules.

A `Conversation` keeps what Alexa keeps between turns: the open session and its attributes (from
the last response's `sessionAttributes`), whether the reprompt was already spoken, and what the
AudioPlayer is playing. It sends each request through a transport: the skill object in-process
(`InProcessTransport`) or a running web service (`HttpTransport`). Silence speaks the reprompt
once, then ends the session with `SessionEndedRequest` `EXCEEDED_MAX_REPROMPTS`; after the session
ends only an utterance naming the skill ("open gentle back", "ask gentle back to ...") is sent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response_envelope import ResponseEnvelope

from skill.sim.envelopes import (
    Caller,
    Json,
    SessionState,
    audio_player_event,
    intent_request,
    launch_request,
    session_ended_request,
    to_request_envelope,
)
from skill.sim.nlu import Resolver

#: What ends a session from the user's side without reaching an intent (Alexa's own "exit").
EXIT_WORDS = frozenset({"exit", "quit", "alexa exit"})

PlaybackEvent = Literal["nearly", "finish", "stop"]
_PLAYBACK_REQUESTS: dict[PlaybackEvent, str] = {
    "nearly": "AudioPlayer.PlaybackNearlyFinished",
    "finish": "AudioPlayer.PlaybackFinished",
    "stop": "AudioPlayer.PlaybackStopped",
}


class SimulatorError(RuntimeError):
    """The skill could not be reached or answered with something that is not a response."""


class Transport(Protocol):
    """Delivers one request envelope to the skill and returns its response envelope."""

    def send(self, request: Json) -> Json:
        """Send `request` (envelope JSON) and return the response envelope JSON."""
        ...


class InvocableSkill(Protocol):
    """The part of ask-sdk-core's `CustomSkill` the simulator uses."""

    def invoke(self, request_envelope: RequestEnvelope, context: Any) -> ResponseEnvelope:
        """Handle one request envelope and return the response envelope."""
        ...


class InProcessTransport:
    """Hands requests to a skill object in this process, through the SDK's own (de)serializer."""

    def __init__(self, skill: InvocableSkill) -> None:
        """Wrap `skill` (for example `build_skill(settings)`)."""
        self.skill = skill
        self._serializer = DefaultSerializer()

    def send(self, request: Json) -> Json:
        """Invoke the skill with `request` and return its response as JSON."""
        response = self.skill.invoke(request_envelope=to_request_envelope(request), context=None)
        data: Json = json.loads(json.dumps(self._serializer.serialize(response)))
        return data


class HttpTransport:
    """POSTs requests to a running skill web service (its request verification must be off)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        """Send to `url`, for example `http://127.0.0.1:5000/alexa`."""
        self.url = url
        self.timeout = timeout

    def send(self, request: Json) -> Json:
        """POST `request` as JSON and return the decoded response; SimulatorError on failure."""
        body = json.dumps(request).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        post = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(post, timeout=self.timeout) as answer:
                payload = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise SimulatorError(f"{self.url} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SimulatorError(f"cannot reach {self.url}: {exc}") from None
        try:
            data = json.loads(payload)
        except ValueError:
            raise SimulatorError(f"{self.url} answered with something that is not JSON") from None
        if not isinstance(data, dict):
            raise SimulatorError(f"{self.url} answered with JSON that is not an object")
        return data


@dataclass(frozen=True)
class Turn:
    """One turn as the user experienced it.

    `said` is what the user typed ("" for silence). `request` and `response` are the envelopes
    exchanged (None when nothing was sent); `reprompt` is the outputSpeech Alexa spoke again on
    silence without asking the skill; `note` is the simulator's own remark when nothing was sent.
    """

    said: str
    request: Json | None = None
    response: Json | None = None
    reprompt: Json | None = None
    note: str | None = None

    @property
    def request_type(self) -> str | None:
        """The request's type ("IntentRequest", "LaunchRequest", ...), None when none was sent."""
        return None if self.request is None else str(self.request["request"]["type"])

    @property
    def intent(self) -> str | None:
        """The intent name sent, or None for other requests."""
        if self.request is None or "intent" not in self.request["request"]:
            return None
        return str(self.request["request"]["intent"]["name"])

    @property
    def slots(self) -> dict[str, str | None]:
        """The slot values sent, by slot name (None for an empty slot)."""
        if self.request is None or "intent" not in self.request["request"]:
            return {}
        slots = self.request["request"]["intent"].get("slots", {})
        return {name: slot.get("value") for name, slot in slots.items()}

    @property
    def output_speech(self) -> Json | None:
        """What Alexa said this turn: the response's outputSpeech or the replayed reprompt."""
        if self.reprompt is not None:
            return self.reprompt
        body = (self.response or {}).get("response") or {}
        speech: Json | None = body.get("outputSpeech")
        return speech

    @property
    def should_end_session(self) -> bool | None:
        """The response's `shouldEndSession` (None when not set or no response)."""
        body = (self.response or {}).get("response") or {}
        value = body.get("shouldEndSession")
        return None if value is None else bool(value)


@dataclass
class _Audio:
    token: str
    offset_ms: int = 0


@dataclass
class Conversation:
    """A simulated user talking to one skill through `transport`, turn by turn."""

    transport: Transport
    resolver: Resolver
    caller: Caller
    session: SessionState | None = None
    _reprompt: Json | None = field(default=None, init=False, repr=False)
    _reprompted: bool = field(default=False, init=False, repr=False)
    _audio: _Audio | None = field(default=None, init=False, repr=False)

    @property
    def session_open(self) -> bool:
        """True while a session is open, so an utterance without the skill's name is sent."""
        return self.session is not None

    def say(self, text: str) -> Turn:
        """Speak `text` ("" is silence) and return the turn, sent or not."""
        if not text.strip():
            return self._silence()
        if self.session is not None and " ".join(text.lower().split()) in EXIT_WORDS:
            return self._end_session(text, self.session, "USER_INITIATED")
        resolution = self.resolver.resolve(text)
        session = SessionState() if resolution.invoked else self.session
        if session is None:
            name = self.resolver.model.invocation_name
            return Turn(
                text,
                note=f'(no session is open: say "open {name}" or "ask {name} to ..." first)',
            )
        if resolution.request_type == "LaunchRequest":
            request = launch_request(self.caller, session)
        else:
            request = intent_request(self.caller, session, resolution)
        return self._exchange(text, session, request)

    def new_session(self) -> None:
        """Forget the open session, as if the user walked away; the next turn names the skill."""
        self.session = None
        self._reprompt = None

    def switch_user(self, name: str) -> None:
        """Talk as the user called `name` from now on, in a fresh session."""
        self.caller = Caller(self.caller.application_id, name, self.caller.locale)
        self.new_session()

    def playback(self, event: PlaybackEvent) -> Turn:
        """Send the AudioPlayer event for what is playing (`:nearly`, `:finish`, `:stop`)."""
        said = f":{event}"
        if self._audio is None:
            return Turn(said, note="(nothing is playing)")
        kind = _PLAYBACK_REQUESTS[event]
        request = audio_player_event(self.caller, kind, self._audio.token, self._audio.offset_ms)
        if event == "finish":
            self._audio = None
        response = self.transport.send(request)
        self._note_audio(response)
        return Turn(said, request, response)

    def _silence(self) -> Turn:
        if self.session is None:
            return Turn("", note="(silence; no session is open)")
        if self._reprompt is not None and not self._reprompted:
            self._reprompted = True
            return Turn("", reprompt=self._reprompt)
        return self._end_session("", self.session, "EXCEEDED_MAX_REPROMPTS")

    def _end_session(self, said: str, session: SessionState, reason: str) -> Turn:
        request = session_ended_request(self.caller, session, reason)
        self.new_session()
        return Turn(said, request, self.transport.send(request))

    def _exchange(self, said: str, session: SessionState, request: Json) -> Turn:
        response = self.transport.send(request)
        body = response.get("response") or {}
        self._note_audio(response)
        if body.get("shouldEndSession") is False:
            session.new = False
            session.attributes = dict(response.get("sessionAttributes") or {})
            self.session = session
            reprompt = body.get("reprompt") or {}
            self._reprompt = reprompt.get("outputSpeech")
            self._reprompted = False
        else:
            # Not set ends the session too, on a speaker without a screen.
            self.new_session()
        return Turn(said, request, response)

    def _note_audio(self, response: Json) -> None:
        for directive in (response.get("response") or {}).get("directives") or []:
            if directive.get("type") == "AudioPlayer.Play":
                stream = directive.get("audioItem", {}).get("stream", {})
                self._audio = _Audio(stream.get("token", ""), stream.get("offsetInMilliseconds", 0))
            elif directive.get("type") in ("AudioPlayer.Stop", "AudioPlayer.ClearQueue"):
                self._audio = None
