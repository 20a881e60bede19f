"""Request envelopes for the benchmarks, built as the JSON Alexa sends, and the users behind them.

The turn every benchmark cares about is a mid-routine "next": a returning, onboarded user is a few
poses into a routine and says "next". `next_turn` builds that envelope with the session
attributes the skill itself would have handed back; `seed_users` stores the matching persistent
attributes, so the skill reads a real user from its store as it would in production.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.persistence import Store
from skill.state import SessionState, UserState

SKILL_ID: Final = "amzn1.ask.skill.bench0000-0000-4000-8000-000000000000"
SECRET: Final = b"bench-secret-for-user-keys-0123456789"
#: A routine turn well inside every routine of the catalogue: mid-routine, not at the check-in.
MID_ROUTINE_TURN: Final = 2


def user_id(number: int) -> str:
    """The Amazon user id of benchmark user `number`."""
    return f"amzn1.ask.account.BENCHUSER{number:06d}"


def returning_user(now: datetime) -> dict[str, Any]:
    """Persistent attributes of a user who finished set-up yesterday and agreed to ratings."""
    yesterday = (now - timedelta(days=1)).isoformat()
    state = UserState(
        disclaimer_at=yesterday,
        consent=True,
        profile="disc",
        redflags_screened_at=yesterday,
        urgent_screened_at=yesterday,
        sessions_completed=3,
    )
    return state.to_dict()


def routine_session(routine_id: str, turn: int = MID_ROUTINE_TURN) -> dict[str, Any]:
    """Session attributes a few turns into `routine_id`, after the pre-session scores."""
    state = SessionState(
        stage="routine",
        routine_id=routine_id,
        turn=turn,
        asked_redflags=True,
        checks_done=["pre_back", "pre_leg"],
        pre_back=5,
        pre_leg=4,
    )
    return state.to_dict()


def envelope(
    request: dict[str, Any],
    *,
    user: str,
    now: datetime,
    request_id: str,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole envelope around `request`; `attributes` None means the first turn of a session."""
    application = {"applicationId": SKILL_ID}
    system = {
        "application": application,
        "user": {"userId": user},
        "device": {"deviceId": "amzn1.ask.device.BENCH", "supportedInterfaces": {}},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "bench-token",
    }
    return {
        "version": "1.0",
        "session": {
            "new": attributes is None,
            "sessionId": f"amzn1.echo-api.session.{user[-6:]}",
            "application": application,
            "attributes": attributes or {},
            "user": {"userId": user},
        },
        "context": {"System": system},
        "request": {
            "requestId": f"amzn1.echo-api.request.{request_id}",
            "timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
            **request,
        },
    }


def next_turn(
    user: str, routine_id: str, now: datetime, *, turn: int = MID_ROUTINE_TURN, request_id: str
) -> dict[str, Any]:
    """The user says "next" a few poses into `routine_id`."""
    intent = {"name": "AMAZON.NextIntent", "confirmationStatus": "NONE", "slots": {}}
    request = {"type": "IntentRequest", "dialogState": "COMPLETED", "intent": intent}
    attributes = routine_session(routine_id, turn)
    return envelope(request, user=user, now=now, request_id=request_id, attributes=attributes)


def launch(user: str, now: datetime, *, request_id: str) -> dict[str, Any]:
    """The user opens the skill."""
    return envelope({"type": "LaunchRequest"}, user=user, now=now, request_id=request_id)


def encode(body: dict[str, Any]) -> bytes:
    """Compact JSON bytes, as Alexa sends them."""
    return json.dumps(body, separators=(",", ":")).encode()


def mixed_pool(routine_ids: list[str], users: int, now: datetime) -> list[bytes]:
    """One request per user: mostly mid-routine "next" turns across every routine, every eighth
    a launch, so a run touches many users, routines and positions rather than one cached turn."""
    pool: list[bytes] = []
    for number in range(users):
        user, request_id = user_id(number), f"{now:%H%M%S}-{number:06d}"
        if number % 8 == 7:
            pool.append(encode(launch(user, now, request_id=request_id)))
            continue
        routine = routine_ids[number % len(routine_ids)]
        turn = 1 + number % 4
        pool.append(encode(next_turn(user, routine, now, turn=turn, request_id=request_id)))
    return pool


def seed_users(store: Store, users: int, now: datetime) -> None:
    """Store returning-user attributes for users 0 .. users-1."""
    serializer = DefaultSerializer()
    attributes = returning_user(now)
    for number in range(users):
        body = json.dumps(launch(user_id(number), now, request_id="seed"))
        request_envelope = serializer.deserialize(body, RequestEnvelope)
        store.save_attributes(request_envelope, attributes)
