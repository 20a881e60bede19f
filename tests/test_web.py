"""The web host's HTTP contract: what Alexa, a load balancer and a stray client each get back.

The app runs a tiny hello-world skill (one LaunchRequest handler and a catch-all exception
handler, like the real skill's), so these tests pin the web layer alone. Nothing touches the
network: signing uses the local PKI in `certs.py` and certificate downloads are a stub.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils.predicate import is_request_type
from ask_sdk_model.response import Response as AlexaResponse
from ask_sdk_model.response_envelope import ResponseEnvelope
from certs import NOW, local_pki
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from skill.config import Settings
from skill.verify import RequestVerifier
from skill.web import AUDIO_MAX_AGE_SECONDS, VERIFY_OFF_WARNING, create_app

SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
USER_ID = "amzn1.ask.account.SECRET-USER-ID"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


class HelloHandler(AbstractRequestHandler):
    """Answers a launch with a greeting."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> AlexaResponse:
        builder = handler_input.response_builder
        return builder.speak("Hello.").set_should_end_session(True).response


class SorryHandler(AbstractExceptionHandler):
    """Answers anything else, as the real skill's catch-all does."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> AlexaResponse:
        builder = handler_input.response_builder
        return builder.speak("Sorry.").set_should_end_session(True).response


def hello_skill() -> CustomSkill:
    builder = SkillBuilder()
    builder.add_request_handler(HelloHandler())
    builder.add_exception_handler(SorryHandler())
    skill: CustomSkill = builder.create()
    return skill


def launch_envelope(timestamp: str = "2026-11-21T19:30:00Z") -> dict[str, Any]:
    application = {"applicationId": SKILL_ID}
    user = {"userId": USER_ID}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.1",
            "application": application,
            "user": user,
            "attributes": {},
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.1", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": timestamp,
            "locale": "en-US",
        },
    }


def intent_envelope(intent: Any) -> dict[str, Any]:
    envelope = launch_envelope()
    envelope["request"].update(type="IntentRequest", dialogState="STARTED", intent=intent)
    return envelope


def encode(envelope: Any) -> bytes:
    return json.dumps(envelope).encode()


def local_settings(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "audio_dir": tmp_path / "audio",
        "sqlite_path": tmp_path / "db.sqlite3",
        "verify_requests": False,
        "skill_id": SKILL_ID,
    }
    return Settings(**(values | changes))


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(local_settings(tmp_path), skill=hello_skill())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post(client: FlaskClient, body: bytes, **headers: str) -> Any:
    headers.setdefault("Content-Type", "application/json")
    return client.post("/alexa", data=body, headers=headers)


# --- the happy path -----------------------------------------------------------------------------


def test_a_launch_request_gets_the_skills_response_envelope(client: FlaskClient) -> None:
    answer = post(client, encode(launch_envelope()))
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    body = answer.get_json()
    envelope = DefaultSerializer().deserialize(json.dumps(body), ResponseEnvelope)
    assert isinstance(envelope, ResponseEnvelope)
    assert body["version"] == "1.0"
    assert body["response"]["outputSpeech"] == {"type": "SSML", "ssml": "<speak>Hello.</speak>"}
    assert body["response"]["shouldEndSession"] is True


def test_a_valid_envelope_is_answered_whatever_the_content_type_says(client: FlaskClient) -> None:
    # The signature covers the body, not the headers; Alexa's content type is not ours to police.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        answer = post(client, encode(launch_envelope()), **{"Content-Type": content_type})
        assert answer.status_code == 200, content_type


def test_an_intent_the_skill_cannot_answer_reaches_its_catch_all_handler(
    client: FlaskClient,
) -> None:
    answer = post(client, encode(intent_envelope({"name": "HelpIntent"})))
    assert answer.status_code == 200
    assert "Sorry." in answer.get_json()["response"]["outputSpeech"]["ssml"]


def test_without_an_injected_skill_the_app_runs_the_real_one(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path, user_key_secret=b"a-test-secret-of-32-characters!!"))
    answer = post(app.test_client(), encode(launch_envelope()))
    assert answer.status_code == 200
    body = answer.get_json()
    assert "Gentle Back" in body["response"]["outputSpeech"]["ssml"]
    assert body["response"]["shouldEndSession"] is False


def test_health_check_says_ok(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_the_skill_path_only_accepts_post(client: FlaskClient, method: str) -> None:
    answer = client.open("/alexa", method=method, data=encode(launch_envelope()))
    assert answer.status_code == 405
    assert answer.get_json() == {"error": "method not allowed"}


def test_a_custom_skill_path_is_honoured(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path, alexa_path="/hooks/alexa"), skill=hello_skill())
    client = app.test_client()
    assert post_to(client, "/hooks/alexa").status_code == 200
    assert post_to(client, "/alexa").status_code == 404


def post_to(client: FlaskClient, path: str) -> Any:
    return client.post(path, data=encode(launch_envelope()))


# --- bad input is a 400, never a 500 ------------------------------------------------------------


def mutated(change: Callable[[dict[str, Any]], object]) -> bytes:
    envelope = launch_envelope()
    change(envelope)
    return encode(envelope)


def nested(depth: int) -> bytes:
    return b'{"version": "1.0", "junk": ' + b"[" * depth + b"]" * depth + b"}"


GARBAGE: dict[str, bytes] = {
    "empty body": b"",
    "whitespace only": b"  \r\n\t ",
    "not JSON": b"hello, Alexa",
    "truncated JSON": encode(launch_envelope())[:-5],
    "JSON array": b"[]",
    "JSON string": b'"LaunchRequest"',
    "JSON null": b"null",
    "JSON number": b"42",
    "empty object": b"{}",
    "version missing": mutated(lambda e: e.pop("version")),
    "version not a string": mutated(lambda e: e.update(version=1.0)),
    "request missing": mutated(lambda e: e.pop("request")),
    "request not an object": mutated(lambda e: e.update(request="LaunchRequest")),
    "request a list": mutated(lambda e: e.update(request=[e["request"]])),
    "type missing": mutated(lambda e: e["request"].pop("type")),
    "type not a string": mutated(lambda e: e["request"].update(type=7)),
    "unknown request type": mutated(lambda e: e["request"].update(type="TeleportRequest")),
    "requestId missing": mutated(lambda e: e["request"].pop("requestId")),
    "requestId empty": mutated(lambda e: e["request"].update(requestId="")),
    "timestamp missing": mutated(lambda e: e["request"].pop("timestamp")),
    "timestamp not a date": mutated(lambda e: e["request"].update(timestamp="yesterday")),
    "timestamp without a zone": mutated(
        lambda e: e["request"].update(timestamp="2026-11-21T19:30:00")
    ),
    "timestamp a number": mutated(lambda e: e["request"].update(timestamp=1763753400)),
    "session a list": mutated(lambda e: e.update(session=[])),
    "context a string": mutated(lambda e: e.update(context="System")),
    "user a string": mutated(lambda e: e["context"]["System"].update(user=USER_ID)),
    "supportedInterfaces a list": mutated(
        lambda e: e["context"]["System"]["device"].update(supportedInterfaces=[])
    ),
    "locale an object": mutated(lambda e: e["request"].update(locale={"en": "US"})),
    "intent a string": encode(intent_envelope("StartRoutineIntent")),
    "intent name a list": encode(intent_envelope({"name": ["HelpIntent"]})),
    "slots a list": encode(intent_envelope({"name": "StartRoutineIntent", "slots": []})),
    "slot value an object": encode(
        intent_envelope(
            {"name": "PainScoreIntent", "slots": {"score": {"name": "score", "value": {"n": 5}}}}
        )
    ),
    "unknown dialog state": mutated(
        lambda e: e["request"].update(type="IntentRequest", dialogState="MAYBE", intent={})
    ),
    "SDK attribute smuggled in": mutated(lambda e: e["request"].update(request_id={"x": 1})),
    "private attribute smuggled in": mutated(lambda e: e["request"].update(__class__="x")),
    "deeply nested junk": nested(100_000),
    "huge float": b'{"version": "1.0", "n": 1e999}',
    "huge integer": b'{"version": "1.0", "n": ' + b"9" * 5000 + b"}",
    "NaN": b'{"version": NaN}',
    "Infinity": b'{"version": "1.0", "n": -Infinity}',
    "invalid UTF-8": b'{"version": "1.0\xff\xfe"}',
    "UTF-16": json.dumps(launch_envelope()).encode("utf-16"),
    "byte order mark": b"\xef\xbb\xbf" + encode(launch_envelope()),
}


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_gets_a_400_with_a_short_reason(client: FlaskClient, body: bytes) -> None:
    answer = post(client, body)
    assert answer.status_code == 400
    reason = answer.get_json()["error"]
    assert 0 < len(reason) < 80
    assert "Traceback" not in answer.get_data(as_text=True)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
PLACES = [
    ("version",),
    ("session",),
    ("session", "user"),
    ("session", "attributes"),
    ("context",),
    ("context", "System"),
    ("context", "System", "device"),
    ("request",),
    ("request", "type"),
    ("request", "locale"),
    ("request", "intent"),
    ("request", "reason"),
    ("request", "error"),
]
FUZZ_APP = create_app(
    Settings(verify_requests=False, audio_dir=Path("/nonexistent")), skill=hello_skill()
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(place=st.sampled_from(PLACES), value=JSON, kind=st.sampled_from(["", "IntentRequest"]))
def test_any_json_anywhere_in_the_envelope_gets_a_200_or_a_400(
    place: tuple[str, ...], value: Any, kind: str
) -> None:
    envelope = launch_envelope()
    if kind:
        envelope["request"].update(type=kind, intent={"name": "HelpIntent"})
    node = envelope
    for key in place[:-1]:
        node = node[key]
    node[place[-1]] = value
    answer = FUZZ_APP.test_client().post("/alexa", data=encode(envelope))
    assert answer.status_code in (200, 400)


def test_a_body_over_the_size_limit_gets_a_413(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path, max_body_bytes=2048), skill=hello_skill())
    answer = post(app.test_client(), b" " * 2049)
    assert answer.status_code == 413
    assert answer.get_json() == {"error": "request entity too large"}


def test_a_body_exactly_at_the_size_limit_is_answered(tmp_path: Path) -> None:
    body = encode(launch_envelope())
    app = create_app(local_settings(tmp_path, max_body_bytes=len(body) + 10), skill=hello_skill())
    assert post(app.test_client(), body + b" " * 10).status_code == 200


class BrokenSkill:
    """A skill whose invoke raises, which the real skill's catch-all should never let happen."""

    serializer = DefaultSerializer()

    def invoke(self, request_envelope: Any, context: Any) -> Any:
        raise RuntimeError("boom: amzn1.ask.account.SECRET")


def test_a_skill_that_raises_gets_a_generic_500_and_a_log_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(local_settings(tmp_path), skill=BrokenSkill())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="skill.web"):
        answer = post(app.test_client(), encode(launch_envelope()))
    assert answer.status_code == 500
    assert answer.get_json() == {"error": "internal error"}
    assert "SECRET" not in answer.get_data(as_text=True)
    assert "the skill raised while answering a LaunchRequest" in caplog.text


# --- logging ------------------------------------------------------------------------------------


def test_each_request_is_logged_on_one_line_without_the_user_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="skill.web"):
        post(client, encode(launch_envelope()))
        post(client, b"nonsense")
    lines = [r.getMessage() for r in caplog.records if r.name == "skill.web"]
    assert len(lines) == 2
    assert lines[0].startswith("POST /alexa LaunchRequest 200 ")
    assert lines[0].endswith("ms")
    assert lines[1].startswith("POST /alexa - 400 ")
    assert not any(USER_ID in line for line in lines)


def test_turning_verification_off_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="skill.web"):
        create_app(local_settings(tmp_path), skill=hello_skill())
    assert VERIFY_OFF_WARNING in caplog.messages


# --- request verification on --------------------------------------------------------------------


@pytest.fixture
def verified_client(tmp_path: Path) -> Iterator[FlaskClient]:
    pki = local_pki()
    verifier = RequestVerifier(
        skill_id=SKILL_ID,
        trusted_roots=[pki.root.certificate],
        fetch_pem=lambda url: pki.leaf.chain_pem(),
        clock=lambda: NOW,
    )
    settings = local_settings(tmp_path, verify_requests=True)
    yield create_app(settings, skill=hello_skill(), verifier=verifier).test_client()


def signed(body: bytes) -> dict[str, str]:
    return {"SignatureCertChainUrl": CERT_URL, "Signature-256": local_pki().leaf.sign(body)}


def test_with_verification_a_correctly_signed_request_is_answered(
    verified_client: FlaskClient,
) -> None:
    body = encode(launch_envelope(NOW.isoformat()))
    answer = post(verified_client, body, **signed(body))
    assert answer.status_code == 200
    assert answer.get_json()["response"]["shouldEndSession"] is True


def test_with_verification_an_unsigned_request_gets_a_400(verified_client: FlaskClient) -> None:
    answer = post(verified_client, encode(launch_envelope(NOW.isoformat())))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "missing SignatureCertChainUrl header"}


def test_with_verification_a_body_changed_after_signing_gets_a_400(
    verified_client: FlaskClient,
) -> None:
    body = encode(launch_envelope(NOW.isoformat()))
    answer = post(verified_client, body.replace(b"en-US", b"en-GB"), **signed(body))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "request signature does not match the body"}


def test_with_verification_garbage_is_refused_before_it_is_parsed(
    verified_client: FlaskClient,
) -> None:
    answer = post(verified_client, b"not json at all")
    assert answer.get_json() == {"error": "missing SignatureCertChainUrl header"}


def test_with_verification_a_signed_but_malformed_envelope_still_gets_a_400(
    verified_client: FlaskClient,
) -> None:
    envelope = launch_envelope(NOW.isoformat())
    envelope["session"] = "broken"
    body = encode(envelope)
    answer = post(verified_client, body, **signed(body))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "envelope.session must be an object"}


def test_turning_verification_on_logs_no_warning_about_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pki = local_pki()
    verifier = RequestVerifier(skill_id=SKILL_ID, trusted_roots=[pki.root.certificate])
    with caplog.at_level(logging.WARNING, logger="skill.web"):
        create_app(
            local_settings(tmp_path, verify_requests=True), skill=hello_skill(), verifier=verifier
        )
    assert VERIFY_OFF_WARNING not in caplog.messages


# --- audio --------------------------------------------------------------------------------------


@pytest.fixture
def audio_client(tmp_path: Path) -> FlaskClient:
    audio = tmp_path / "audio"
    (audio / "sounds").mkdir(parents=True)
    (audio / "chime.mp3").write_bytes(b"ID3" + bytes(200))
    (audio / "sounds" / "bell.mp3").write_bytes(b"ID3" + bytes(100))
    (audio / ".manifest.json").write_text("{}")
    (audio / "notes.txt").write_text("private")
    (tmp_path / "secret.mp3").write_bytes(b"outside the audio folder")
    return create_app(local_settings(tmp_path), skill=hello_skill()).test_client()


def test_audio_is_served_as_mpeg_with_a_day_of_public_caching(audio_client: FlaskClient) -> None:
    with audio_client.get("/audio/chime.mp3") as answer:
        assert answer.status_code == 200
        assert answer.data.startswith(b"ID3")
    assert answer.mimetype == "audio/mpeg"
    assert answer.cache_control.public
    assert answer.cache_control.max_age == AUDIO_MAX_AGE_SECONDS
    assert answer.headers["ETag"]


def test_audio_in_a_subfolder_is_served(audio_client: FlaskClient) -> None:
    with audio_client.get("/audio/sounds/bell.mp3") as answer:
        assert answer.status_code == 200


def test_audio_already_cached_by_etag_gets_a_304(audio_client: FlaskClient) -> None:
    with audio_client.get("/audio/chime.mp3") as first:
        etag = first.headers["ETag"]
    with audio_client.get("/audio/chime.mp3", headers={"If-None-Match": etag}) as answer:
        assert answer.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/audio/missing.mp3",
        "/audio/../secret.mp3",
        "/audio/%2e%2e/secret.mp3",
        "/audio/..%2fsecret.mp3",
        "/audio/sounds/../../secret.mp3",
        "/audio//etc/passwd",
        "/audio/.manifest.json",
        "/audio/notes.txt",
    ],
    ids=[
        "missing",
        "dot-dot",
        "encoded dot-dot",
        "encoded slash",
        "dot-dot from a subfolder",
        "absolute path",
        "hidden file",
        "not audio",
    ],
)
def test_audio_outside_the_folder_or_not_audio_is_a_404(
    audio_client: FlaskClient, path: str
) -> None:
    answer = audio_client.get(path, follow_redirects=True)  # werkzeug merges double slashes
    assert answer.status_code == 404
    assert b"outside the audio folder" not in answer.data


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: e["context"]["System"].pop("application"), id="no-application"),
        pytest.param(lambda e: e["context"].pop("System"), id="no-system"),
        pytest.param(
            lambda e: e["context"]["System"]["application"].update(applicationId="x"),
            id="another-skill",
        ),
    ],
)
def test_a_request_for_another_skill_gets_a_400_when_a_skill_id_is_configured(
    client: FlaskClient, change: Callable[[dict[str, Any]], object]
) -> None:
    envelope = launch_envelope()
    envelope["context"]["System"]["application"] = {"applicationId": SKILL_ID}
    change(envelope)
    answer = client.post("/alexa", data=encode(envelope))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "request is for another skill"}
