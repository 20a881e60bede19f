"""The simulator's conversation driver: the envelopes it sends, Alexa's session rules it keeps,
what it shows, and both transports (in-process and a real local HTTP server)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils.request_util import get_slot
from ask_sdk_model.interfaces.audioplayer.audio_item import AudioItem
from ask_sdk_model.interfaces.audioplayer.play_behavior import PlayBehavior
from ask_sdk_model.interfaces.audioplayer.play_directive import PlayDirective
from ask_sdk_model.interfaces.audioplayer.stream import Stream
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from skill.catalogue import Catalogue
from skill.cli import main
from skill.config import Settings
from skill.model import interaction_model, load_voice_interface
from skill.sim import connect, pick_application_id
from skill.sim.envelopes import SIM_APPLICATION_ID, Caller
from skill.sim.nlu import InteractionModel, Resolver
from skill.sim.render import render_turn, speech_text
from skill.sim.session import (
    Conversation,
    HttpTransport,
    InProcessTransport,
    SimulatorError,
    Turn,
)
from skill.web import create_app

FIXTURE_MODEL = Path(__file__).parent / "fixtures" / "sim" / "en-US.json"
APP_ID = "amzn1.ask.skill.sim-test"


class EchoHandler(AbstractRequestHandler):
    """A tiny stand-in skill: answers each request type in a way a test can recognise."""

    def __init__(self, received: list[Any]) -> None:
        self.received = received

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        envelope: Any = handler_input.request_envelope
        self.received.append(envelope)
        request = envelope.request
        kind = request.object_type
        builder = handler_input.response_builder
        if kind == "LaunchRequest":
            handler_input.attributes_manager.session_attributes = {"yeses": 0}
            speech = 'Welcome. <break time="10s"/> Ready?'
            builder.speak(speech).ask("Are you ready?").set_card(SimpleCard("Welcome", "Hi"))
        elif kind == "IntentRequest":
            self._intent(handler_input, request.intent.name)
        elif kind == "SessionEndedRequest":
            pass
        return builder.response

    def _intent(self, handler_input: HandlerInput, name: str) -> None:
        builder = handler_input.response_builder
        attributes: Any = handler_input.attributes_manager.session_attributes
        if name == "AMAZON.YesIntent":
            attributes["yeses"] = attributes.get("yeses", 0) + 1
            builder.speak(f"Yes number {attributes['yeses']}.").ask("Again?")
        elif name == "ConditionIntent":
            slot: Any = get_slot(handler_input, "condition")
            authority = slot.resolutions.resolutions_per_authority[0]
            code = authority.status.code.value
            found = authority.values[0].value.id if authority.values else "nothing"
            builder.speak(f"{code} {found}").set_should_end_session(False)
        elif name == "AMAZON.StopIntent":
            builder.speak("Goodbye.").set_should_end_session(True)
        elif name == "AMAZON.HelpIntent":
            builder.speak("Help without deciding.")
        elif name == "AMAZON.NextIntent":
            stream = Stream(
                token="track-1", url="https://example.com/a.mp3", offset_in_milliseconds=0
            )
            play = PlayDirective(
                play_behavior=PlayBehavior.REPLACE_ALL, audio_item=AudioItem(stream)
            )
            builder.speak("Playing.").add_directive(play).set_should_end_session(True)
        else:
            builder.speak(f"You reached {name}.").ask("What now?")


@pytest.fixture
def received() -> list[Any]:
    return []


@pytest.fixture
def fake_skill(received: list[Any]) -> CustomSkill:
    builder = SkillBuilder()
    builder.add_request_handler(EchoHandler(received))
    skill: CustomSkill = builder.create()
    return skill


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(InteractionModel.load(FIXTURE_MODEL))


@pytest.fixture
def talk(fake_skill: CustomSkill, resolver: Resolver) -> Conversation:
    return Conversation(InProcessTransport(fake_skill), resolver, Caller(APP_ID, "alice"))


def speech(turn: Turn) -> str:
    return speech_text(turn.output_speech)


def test_launch_sends_a_real_envelope_for_a_new_session_of_the_simulated_user(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    envelope = received[0]
    system = envelope.context.system
    assert envelope.version == "1.0"
    assert envelope.session.new is True
    assert envelope.session.session_id.startswith("amzn1.echo-api.session.")
    assert envelope.request.request_id.startswith("amzn1.echo-api.request.")
    assert system.user.user_id == envelope.session.user.user_id == "amzn1.ask.account.SIM-alice"
    assert system.application.application_id == APP_ID
    assert system.api_endpoint == "https://api.amazonalexa.com"
    assert (system.device.device_id, system.api_access_token) == (
        "amzn1.ask.device.SIM-alice",
        "sim",
    )
    assert envelope.request.locale == "en-US"


def test_session_attributes_of_a_response_come_back_on_the_next_request_of_the_same_session(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("yes")
    third = talk.say("yeah")
    assert speech(third) == "Yes number 2."
    assert [e.session.new for e in received] == [True, False, False]
    assert len({e.session.session_id for e in received}) == 1


def test_a_custom_slot_arrives_with_entity_resolution_as_alexa_sends_it(talk: Conversation) -> None:
    talk.say("open gentle back")
    assert speech(talk.say("a slipped disc")) == "ER_SUCCESS_MATCH disc"
    assert speech(talk.say("they said gremlins")) == "ER_SUCCESS_NO_MATCH nothing"


def test_silence_speaks_the_reprompt_once_then_ends_the_session_for_exceeded_reprompts(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    first = talk.say("")
    second = talk.say("")
    assert (first.request, speech(first)) == (None, "Are you ready?")
    assert second.request_type == "SessionEndedRequest"
    assert received[-1].request.reason.value == "EXCEEDED_MAX_REPROMPTS"
    assert received[-1].session.session_id == received[0].session.session_id
    assert not talk.session_open


def test_silence_after_a_response_without_a_reprompt_ends_the_session_at_once(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("it's stenosis")
    assert talk.say("").request_type == "SessionEndedRequest"


def test_an_answer_resets_the_reprompt_so_silence_hears_the_newest_one(talk: Conversation) -> None:
    talk.say("open gentle back")
    talk.say("")
    talk.say("yes")
    assert speech(talk.say("")) == "Again?"


def test_stop_ends_the_session_and_the_next_utterance_needs_the_skill_name(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("stop")
    hint = talk.say("yes")
    assert hint.request is None
    assert hint.note is not None and "open gentle back" in hint.note
    assert len(received) == 2


def test_a_one_shot_invocation_opens_a_fresh_session_with_its_intent(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("stop")
    turn = talk.say("ask gentle back to say yes")
    assert turn.intent == "AMAZON.FallbackIntent"
    talk.say("tell gentle back yes")
    assert [e.session.new for e in received[2:]] == [True, True]
    assert received[2].session.session_id != received[0].session.session_id


def test_a_relaunch_inside_a_session_starts_a_new_session_without_old_attributes(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("yes")
    talk.say("open gentle back")
    assert received[-1].session.new is True
    assert received[-1].session.attributes == {}


def test_exit_ends_the_session_as_the_user_initiated(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.say("exit")
    assert received[-1].request.object_type == "SessionEndedRequest"
    assert received[-1].request.reason.value == "USER_INITIATED"


def test_a_response_that_leaves_should_end_session_unset_closes_the_session(
    talk: Conversation,
) -> None:
    talk.say("open gentle back")
    turn = talk.say("help")
    assert turn.should_end_session is None
    assert not talk.session_open
    assert "shouldEndSession not set" in render_turn(turn)


def test_switching_user_sends_the_new_user_id_in_a_fresh_session(
    talk: Conversation, received: list[Any]
) -> None:
    talk.say("open gentle back")
    talk.switch_user("bob")
    assert talk.say("yes").request is None
    talk.say("open gentle back")
    assert received[-1].context.system.user.user_id == "amzn1.ask.account.SIM-bob"


def test_audio_player_events_carry_the_playing_token_and_no_session(
    talk: Conversation, received: list[Any]
) -> None:
    assert talk.playback("finish").note == "(nothing is playing)"
    talk.say("open gentle back")
    played = talk.say("next")
    assert "[directive AudioPlayer.Play REPLACE_ALL token=track-1" in render_turn(played)
    talk.playback("nearly")
    talk.playback("finish")
    events = received[-2:]
    assert [e.request.object_type for e in events] == [
        "AudioPlayer.PlaybackNearlyFinished",
        "AudioPlayer.PlaybackFinished",
    ]
    assert [e.session for e in events] == [None, None]
    assert events[0].request.token == events[0].context.audio_player.token == "track-1"
    assert talk.playback("stop").note == "(nothing is playing)"


def test_a_turn_shows_intent_slots_speech_duration_card_and_what_alexa_does_next(
    talk: Conversation,
) -> None:
    launch = render_turn(talk.say("open gentle back")).splitlines()
    score = render_turn(talk.say("it's 5")).splitlines()
    assert launch == [
        "» LaunchRequest",
        "« [0:11] Welcome. [pause 10s] Ready?",
        "[card Welcome]",
        "(listening… reprompt: Are you ready?)",
    ]
    assert score[0] == "» PainScoreIntent score=5"
    assert score[-1] == "(listening… reprompt: What now?)"


def test_a_resolved_slot_shows_its_id_and_an_unresolved_one_a_question_mark(
    talk: Conversation,
) -> None:
    talk.say("open gentle back")
    assert render_turn(talk.say("start legs on the wall")).splitlines()[0] == (
        '» StartRoutineIntent routine="legs on the wall"→legs-up-the-wall'
    )
    assert render_turn(talk.say("start banana")).splitlines()[0] == (
        "» StartRoutineIntent routine=banana→?"
    )


def test_ssml_and_json_views_show_the_raw_exchange(talk: Conversation) -> None:
    turn = talk.say("open gentle back")
    assert '« [0:11] <speak>Welcome. <break time="10s"/> Ready?</speak>' in render_turn(
        turn, ssml=True
    )
    shown = render_turn(turn, as_json=True)
    assert '"type": "LaunchRequest"' in shown
    assert '"shouldEndSession": false' in shown


class _StubAlexaServer(BaseHTTPRequestHandler):
    status = 200
    body = b'{"version": "1.0", "response": {"shouldEndSession": true}}'
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).seen.append(json.loads(self.rfile.read(length)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stub_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _StubAlexaServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alexa"
    server.shutdown()
    server.server_close()


def test_the_http_transport_posts_the_envelope_as_json(stub_server: str) -> None:
    _StubAlexaServer.seen.clear()
    answer = HttpTransport(stub_server).send({"version": "1.0", "request": {"type": "X"}})
    assert answer["response"] == {"shouldEndSession": True}
    assert _StubAlexaServer.seen == [{"version": "1.0", "request": {"type": "X"}}]


def test_a_server_that_refuses_the_request_is_reported_with_its_status_and_reason(
    stub_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_StubAlexaServer, "status", 400)
    monkeypatch.setattr(_StubAlexaServer, "body", b'{"error": "signature missing"}')
    with pytest.raises(SimulatorError, match=r"HTTP 400.*signature missing"):
        HttpTransport(stub_server).send({"version": "1.0"})


def test_an_unreachable_server_is_reported_not_raised_as_a_traceback() -> None:
    with pytest.raises(SimulatorError, match="cannot reach"):
        HttpTransport("http://127.0.0.1:9/alexa", timeout=2).send({})


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Serve a Flask app on 127.0.0.1 in a thread; give back its base URL."""
    servers: list[BaseWSGIServer] = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_conversation_over_http_reaches_the_flask_app_with_verification_off(
    fake_skill: CustomSkill, received: list[Any], tmp_path: Path, serve: Callable[[Flask], str]
) -> None:
    settings = Settings(sqlite_path=tmp_path / "db.sqlite3", verify_requests=False)
    base = serve(create_app(settings, skill=fake_skill))
    talk = connect(settings, url=base + settings.alexa_path, user="carol", model=FIXTURE_MODEL)
    talk.say("open gentle back")
    second = talk.say("yes")
    assert speech(second) == "Yes number 1."
    assert received[-1].context.system.user.user_id == "amzn1.ask.account.SIM-carol"


def test_the_real_skill_behind_its_web_app_accepts_the_simulators_envelopes(
    settings: Settings, skill: CustomSkill, generated_model: Path, serve: Callable[[Flask], str]
) -> None:
    base = serve(create_app(settings, skill=skill))
    talk = connect(settings, url=base + settings.alexa_path, model=generated_model)
    first = talk.say("open gentle back")
    second = talk.say("yes")
    assert "does not give medical advice" in speech(first)
    assert "remember those scores" in speech(second)


def test_the_application_id_is_the_configured_skill_id_first_then_the_deployed_one(
    tmp_path: Path,
) -> None:
    states = tmp_path / "ask-states.json"
    states.write_text(json.dumps({"profiles": {"default": {"skillId": "amzn1.ask.skill.real"}}}))
    configured = Settings(skill_id="amzn1.ask.skill.mine")
    assert (
        pick_application_id(configured, "amzn1.ask.skill.replay", states) == "amzn1.ask.skill.mine"
    )
    assert pick_application_id(Settings(), "amzn1.ask.skill.replay", states) == (
        "amzn1.ask.skill.replay"
    )
    assert pick_application_id(Settings(), None, states) == "amzn1.ask.skill.real"
    assert pick_application_id(Settings(), None, tmp_path / "absent.json") == SIM_APPLICATION_ID


@pytest.fixture
def generated_model(tmp_path: Path, catalogue: Catalogue) -> Path:
    """The interaction model `gentle-back build-model` would write, in a scratch file."""
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(interaction_model(load_voice_interface(), catalogue)))
    return path


def simulate(argv: list[str], typed: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> int:
    """Run `gentle-back simulate` with `typed` piped to it, on a scratch data folder."""
    monkeypatch.setenv("GENTLE_BACK_DATA_DIR", str(data_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    return main(["simulate", *argv])


def test_the_prompt_reads_piped_lines_as_a_transcript_with_silence_and_commands(
    generated_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    typed = "open gentle back\n\n\nyes\n:user bob\n:nearly\n:quit\nnever read\n"
    code = simulate(["--model", str(generated_model)], typed, monkeypatch, tmp_path / "data")
    out = capsys.readouterr().out
    said = [line for line in out.splitlines() if line.startswith("you> ")]
    assert code == 0
    assert said == [f"you> {line}" for line in typed.splitlines()[:7]]
    assert "» (silence: Alexa speaks the reprompt)\n« [0:04] Please say yes to continue" in out
    assert "» SessionEndedRequest reason=EXCEEDED_MAX_REPROMPTS" in out
    assert 'you> yes\n(no session is open: say "open gentle back"' in out
    assert "you> :user bob\n(now talking as bob, in a new session)" in out
    assert "you> :nearly\n(nothing is playing)" in out


def test_an_unreachable_server_is_reported_and_the_prompt_carries_on(
    generated_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--model", str(generated_model), "--url", "http://127.0.0.1:9/alexa"]
    code = simulate(argv, "open gentle back\nyes\n", monkeypatch, tmp_path / "data")
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.count("(error: cannot reach http://127.0.0.1:9/alexa") == 1
    assert 'you> yes\n(no session is open: say "open gentle back"' in captured.out


def test_without_a_generated_model_the_simulator_says_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"
    code = simulate(["--model", str(missing)], "", monkeypatch, tmp_path / "data")
    assert code == 2
    assert "run `gentle-back build-model`" in capsys.readouterr().err
