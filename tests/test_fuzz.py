"""Fuzzing the web host: 5,000 generated and mutated envelopes, never a 5xx, every 200 valid.

Hypothesis builds envelopes of every request type the SDK's model knows, intents from the
interaction model (skill/copy/intents.yaml) and a few it has never heard of, slots holding
synonyms, numbers as digits and as words, unicode, empty and huge strings, and session attributes
that range from what the skill itself hands back to outright garbage. A third test mutates such
envelopes (dropped keys, wrong types, truncated or corrupted bytes). Everything goes through the
real Flask app with verification off, the skill on one SQLite file for the module, and the few
user ids reused so stored state carries from one example to the next. Runs are derandomized, so
CI sees the same examples every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import datetime
from typing import Any, Final

import pytest
import yaml
from alexa import TEST_SECRET
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request import Request
from ask_sdk_model.response_envelope import ResponseEnvelope
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skill.catalogue import Catalogue
from skill.config import DEFAULT_SESSIONS_DIR, PROJECT_ROOT, Settings
from skill.ssml import check
from skill.state import SessionState
from skill.web import create_app

MAX_BODY_BYTES: Final = Settings().max_body_bytes
APP_ID: Final = "amzn1.ask.skill.fuzz-gentle-back"
SERIALIZER: Final = DefaultSerializer()
MODEL: Final = yaml.safe_load((PROJECT_ROOT / "skill" / "copy" / "intents.yaml").read_text())
INTENT_SLOTS: Final[dict[str, list[str]]] = {
    **{name: list((spec or {}).get("slots") or {}) for name, spec in MODEL["intents"].items()},
    **{name: [] for name in MODEL["builtin_intents"]},
}
SYNONYMS: Final = sorted(
    {word for values in MODEL["types"].values() for words in values.values() for word in words}
    | {value_id for values in MODEL["types"].values() for value_id in values}
)
ROUTINES: Final = sorted(path.stem for path in DEFAULT_SESSIONS_DIR.glob("*.yaml"))
REQUEST_TYPES: Final = sorted(Request.discriminator_value_class_map)
#: Request types that arrive inside a session; the others (AudioPlayer, events) come without one.
SESSION_TYPES: Final = frozenset({"LaunchRequest", "IntentRequest", "SessionEndedRequest"})
STAGES: Final = [
    "start",
    "disclaimer",
    "consent",
    "profile",
    "change_condition",
    "redflags",
    "urgent",
    "emergency",
    "menu",
    "confirm_routine",
    "resume_offer",
    "screening",
    "precheck_redflag",
    "pre_back",
    "pre_leg",
    "routine",
    "symptom",
    "check_back",
    "check_leg",
    "check_trend",
    "check_numbness",
    "forget_confirm",
    "paused",
    "ended",
]
NUMBER_WORDS: Final = [
    "zero",
    "one",
    "five",
    "seven",
    "ten",
    "eleven",
    "twenty",
    "minus three",
    "one point five",
    "half",
    "nine and a half",
    "a hundred",
    "a million",
]
EXAMPLES: Final = {"valid": 2500, "session": 1000, "mutated": 1500}
FUZZ: Final = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ----------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
huge_strings = st.builds(lambda char, n: char * n, st.characters(), st.integers(1000, 8000))
slot_values = st.one_of(
    st.sampled_from(SYNONYMS),
    st.sampled_from(NUMBER_WORDS),
    st.integers(-(10**15), 10**15).map(str),
    st.sampled_from(["", " ", "-0", "1e9", "NaN", "Infinity", "007", "3.5", " 4 ", "½", "٣", "?"]),
    st.text(max_size=40),
    huge_strings,
)


@st.composite
def slots(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    """Slots for an intent: its declared ones, maybe some strangers, each maybe resolved."""
    chosen = names + draw(st.lists(st.sampled_from(["score", "routine", "trend", "x"]), max_size=2))
    out: dict[str, Any] = {}
    for name in chosen:
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if draw(st.integers(0, 3)):  # three slots in four carry a value
            slot["value"] = draw(slot_values)
        if draw(st.booleans()):
            code = draw(
                st.sampled_from(["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT"])
            )
            authority: dict[str, Any] = {
                "authority": "amzn1.er-authority.x",
                "status": {"code": code},
            }
            if code == "ER_SUCCESS_MATCH":
                value_id = draw(st.sampled_from(SYNONYMS) | st.text(max_size=20))
                authority["values"] = [{"value": {"name": draw(slot_values), "id": value_id}}]
            slot["resolutions"] = {"resolutionsPerAuthority": [authority]}
        out[name] = slot
    return out


def plausible_session() -> st.SearchStrategy[dict[str, Any]]:
    """Session attributes shaped like the skill's own, with values anywhere in or near range."""
    small = st.integers(-3, 400) | st.none()
    fields: dict[str, st.SearchStrategy[Any]] = {
        "stage": st.sampled_from(STAGES),
        "question": small,
        "retries": small,
        "routine_id": st.sampled_from(ROUTINES) | st.none(),
        "turn": small | st.integers(),
        "pace": st.sampled_from(["slow", "normal", "brisk", "warp"]),
        "verbosity": st.sampled_from(["full", "brief", "chatty"]),
        "screened_yes": st.booleans(),
        "gentler": st.booleans(),
        "avoid_directions": st.lists(st.sampled_from(["flexion", "extension", "rotation", "up"])),
        "pending_routine": st.sampled_from(ROUTINES) | st.none(),
        "resume_turn": small,
        "return_stage": st.sampled_from([*STAGES, "precheck", "onboarding"]) | st.none(),
        "asked_redflags": st.booleans(),
        "checks_done": st.lists(st.sampled_from(["pre_back", "pre_leg", "screening", "redflags"])),
        "pre_back": small,
        "pre_leg": small,
        "post_back": small,
        "post_leg": small,
        "leg_trend": st.sampled_from(["further", "same", "closer", "sideways"]) | st.none(),
        "numbness": st.booleans() | st.none(),
        "schema_version": st.integers(0, 3),
    }
    return st.fixed_dictionaries({}, optional=fields)


def garbage_session() -> st.SearchStrategy[dict[str, Any]]:
    """The skill's own keys with values of any JSON type at all, plus keys it never wrote."""
    keys = [field.name for field in fields(SessionState)]
    known = st.fixed_dictionaries({}, optional={key: json_values | huge_strings for key in keys})
    extra = st.dictionaries(st.text(max_size=10), json_values, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


@st.composite
def envelopes(draw: st.DrawFn, session_attributes: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A well-formed envelope of any request type; IntentRequest and launch are the most likely."""
    kind = draw(
        st.sampled_from(["IntentRequest"] * 6 + ["LaunchRequest", "SessionEndedRequest"])
        | st.sampled_from(REQUEST_TYPES)
    )
    stamp = draw(st.datetimes(min_value=_at(2020), max_value=_at(2030)))
    request: dict[str, Any] = {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{draw(st.integers(0, 10**6))}",
        "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": draw(st.sampled_from(["en-US", "en-GB", "en-IN", "de-DE", "xx"])),
    }
    if kind == "IntentRequest":
        name = draw(
            st.sampled_from(sorted(INTENT_SLOTS))
            | st.sampled_from(["MadeUpIntent", "", "AMAZON.ShuffleOnIntent"])
        )
        request["dialogState"] = draw(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED"]))
        request["intent"] = {
            "name": name,
            "confirmationStatus": "NONE",
            "slots": draw(slots(INTENT_SLOTS.get(name, []))),
        }
    elif kind == "SessionEndedRequest":
        request["reason"] = draw(
            st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"])
        )
    elif kind.startswith("AudioPlayer."):
        request["token"] = draw(st.text(max_size=30))
        request["offsetInMilliseconds"] = draw(st.integers(0, 10**8))
    user = draw(
        st.sampled_from([f"amzn1.ask.account.FUZZ{n}" for n in range(4)])
        | st.text(min_size=1, max_size=30)
    )
    application, who = {"applicationId": APP_ID}, {"userId": user}
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "System": {
                "application": application,
                "user": who,
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": request,
    }
    in_session = kind in SESSION_TYPES if draw(st.integers(0, 9)) else kind not in SESSION_TYPES
    if in_session:
        new = kind == "LaunchRequest" or draw(st.integers(0, 4)) == 0
        body["session"] = {
            "new": new,
            "sessionId": "amzn1.echo-api.session.fuzz",
            "application": application,
            "user": who,
            "attributes": {} if new else draw(session_attributes),
        }
    return body


def _at(year: int) -> datetime:
    return datetime(year, 1, 1)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid envelope with 1-3 keys dropped or retyped, and maybe its JSON bytes cut or hit."""
    body = draw(envelopes(plausible_session()))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(body))
        *parent_path, key = draw(st.sampled_from(paths))
        parent = _get(body, parent_path)
        if draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(json_values)
    raw = json.dumps(body).encode()
    damage = draw(st.sampled_from(["none", "none", "cut", "byte"]))
    if damage == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif damage == "byte":
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    return raw


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _get(node: Any, path: list[Any]) -> Any:
    for key in path:
        node = node[key]
    return node


# --- the app under test --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> FlaskClient:
    """The real app and skill, verification off, on one SQLite file for this module."""
    from skill.builder import build_skill

    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        sqlite_path=folder / "fuzz.sqlite3",
        user_key_secret=TEST_SECRET,
        tts_cache_dir=folder / "tts-cache",
        verify_requests=False,
        skill_id=APP_ID,
    )
    skill = build_skill(settings, catalogue=catalogue)
    return create_app(settings, skill=skill).test_client()


def post(client: FlaskClient, raw: bytes) -> int:
    """Send `raw`; no 5xx, and a 200 must carry a valid envelope with SSML within the limits.

    Returns the status, except that a 413 for a body over the size cap counts as 200: such a
    body is rightly refused whatever it holds, so callers can expect 200 for every valid one.
    """
    answer = client.post("/alexa", data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, (answer.status_code, raw[:3000])
    if answer.status_code == 200:
        assert_valid_answer(answer.get_data(as_text=True))
    else:
        assert isinstance(answer.get_json().get("error"), str)
    event(f"HTTP {answer.status_code}")  # shown by pytest --hypothesis-show-statistics
    if answer.status_code == 413 and len(raw) > MAX_BODY_BYTES:
        return 200
    return answer.status_code


def assert_valid_answer(text: str) -> None:
    """A response envelope the SDK can read, whose speech and reprompt pass `ssml.check`."""
    envelope = SERIALIZER.deserialize(text, ResponseEnvelope)
    assert isinstance(envelope, ResponseEnvelope)
    body = json.loads(text)
    assert body["version"] == "1.0"
    response = body["response"]
    assert isinstance(response, dict)
    for speech in (
        response.get("outputSpeech"),
        (response.get("reprompt") or {}).get("outputSpeech"),
    ):
        if speech is not None:
            assert speech["type"] == "SSML"
            assert check(speech["ssml"]) == [], speech["ssml"]


# --- the tests -----------------------------------------------------------------------------------


@settings(FUZZ, max_examples=EXAMPLES["valid"])
@given(body=envelopes(plausible_session()))
def test_well_formed_envelopes_of_every_type_and_intent_get_a_valid_answer(
    client: FlaskClient, body: dict[str, Any]
) -> None:
    assert post(client, json.dumps(body).encode()) == 200


@settings(FUZZ, max_examples=EXAMPLES["session"])
@given(body=envelopes(garbage_session()))
def test_corrupted_session_attributes_never_cause_a_server_error(
    client: FlaskClient, body: dict[str, Any]
) -> None:
    assert post(client, json.dumps(body).encode()) == 200


@settings(FUZZ, max_examples=EXAMPLES["mutated"])
@given(raw=mutated())
def test_mutated_envelopes_get_a_400_or_a_valid_answer(client: FlaskClient, raw: bytes) -> None:
    assert post(client, raw) in (200, 400)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda body: body.pop("context"), id="no-context"),
        pytest.param(lambda body: body["context"].pop("System"), id="no-system"),
        pytest.param(lambda body: body["context"]["System"].pop("application"), id="no-app"),
        pytest.param(
            lambda body: body["context"]["System"]["application"].update(applicationId="x"),
            id="other-skill",
        ),
    ],
)
def test_an_envelope_not_addressed_to_this_skill_gets_a_400(
    client: FlaskClient, change: Callable[[dict[str, Any]], object]
) -> None:
    # Found by the mutation fuzzer: ask-sdk-core's invoke() reads this id unguarded and raised.
    application = {"applicationId": APP_ID}
    user = {"userId": "amzn1.ask.account.FUZZ0"}
    body: dict[str, Any] = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "s", "application": application, "user": user},
        "context": {"System": {"application": dict(application), "user": user}},
        "request": {
            "type": "LaunchRequest",
            "requestId": "r",
            "timestamp": "2026-11-21T19:30:00Z",
            "locale": "en-US",
        },
    }
    change(body)
    answer = client.post("/alexa", data=json.dumps(body).encode())
    assert answer.status_code == 400


def test_an_unknown_routine_name_of_any_length_keeps_the_ssml_within_limits(
    client: FlaskClient,
) -> None:
    application = {"applicationId": APP_ID}
    user = {"userId": "amzn1.ask.account.FUZZ-LONG-NAME"}
    routine = {"name": "routine", "value": "a" * 7600, "confirmationStatus": "NONE"}
    body = {
        "version": "1.0",
        "session": {"new": False, "sessionId": "s", "application": application, "user": user},
        "context": {"System": {"application": application, "user": user}},
        "request": {
            "type": "IntentRequest",
            "requestId": "r",
            "timestamp": "2026-11-21T19:30:00Z",
            "locale": "en-US",
            "intent": {"name": "StartRoutineIntent", "slots": {"routine": routine}},
        },
    }
    answer = client.post("/alexa", data=json.dumps(body).encode())
    assert answer.status_code == 200
    assert check(answer.get_json()["response"]["outputSpeech"]["ssml"]) == []
