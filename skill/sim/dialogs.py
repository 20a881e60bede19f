"""Scripted conversations: YAML dialog tests with expectations, and ASK CLI `ask dialog` replays.

A dialog file names a fresh user and lists turns, each what the user says ("" for silence) and
what must hold afterwards: `says` / `not_says` (case-insensitive substrings of the plain speech),
`intent`, `slots`, `ends_session`, `stored_checkins`. `run_dialog` plays it through a
`Conversation` and returns every failed expectation. A replay file is the `ask dialog --replay`
format (`{"skillId", "locale", "type": "text", "userInput": [...]}`), so the same file runs
against the real Alexa.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skill.records import CheckinRecord
from skill.sim.render import speech_text
from skill.sim.session import Conversation, Turn

#: More check-ins than any dialog stores, so counting never truncates.
_COUNT_LIMIT = 10_000


class DialogError(ValueError):
    """A dialog or replay file is malformed; the message names the file and the field."""


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


class Expect(BaseModel):
    """What must hold after one turn; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    says: str | list[str] = Field(default_factory=list)
    not_says: str | list[str] = Field(default_factory=list)
    intent: str | None = None
    slots: dict[str, str | None] | None = None
    ends_session: bool | None = None
    stored_checkins: int | None = Field(default=None, ge=0)


class DialogTurn(BaseModel):
    """One thing the user says ("" is silence) and what must hold afterwards."""

    model_config = ConfigDict(extra="forbid")

    user: str
    expect: Expect = Field(default_factory=Expect)


class Dialog(BaseModel):
    """A named conversation of one fresh user, turn by turn."""

    model_config = ConfigDict(extra="forbid")

    name: str
    user: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    locale: str = "en-US"
    turns: list[DialogTurn] = Field(min_length=1)


@dataclass(frozen=True)
class ReplayScript:
    """An `ask dialog` replay file: the skill id, locale and what the user types, in order."""

    skill_id: str | None
    locale: str
    user_input: list[str]


class CheckinLog(Protocol):
    """The part of a `Store` that counts a user's check-ins."""

    def user_key(self, user_id: str) -> str:
        """Return the storage key for an Amazon user id."""
        ...

    def recent_checkins(self, user_key: str, limit: int = 20) -> list[CheckinRecord]:
        """Return the user's newest `limit` check-ins."""
        ...


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise DialogError(f"{path}: cannot read: {exc}") from None


def load_dialog(path: Path) -> Dialog:
    """Load and validate a YAML dialog file; DialogError names the file and each bad field."""
    try:
        return Dialog.model_validate(_read(path))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise DialogError(f"{path}: {problems}") from None


def load_replay(path: Path) -> ReplayScript:
    """Load an `ask dialog` replay file (type "text") up to its `.quit`, if any, leaving out the
    other `ask dialog` sub-commands; DialogError when it is not a replay file."""
    data = _read(path)
    if not isinstance(data, dict):
        raise DialogError(f"{path}: expected a JSON object")
    inputs = data.get("userInput")
    if not isinstance(inputs, list) or not all(isinstance(item, str) for item in inputs):
        raise DialogError(f"{path}: userInput: expected a list of strings")
    if data.get("type", "text") != "text":
        raise DialogError(f'{path}: type: only "text" replays are supported')
    said: list[str] = []
    for item in inputs:
        if item.strip() == ".quit":
            break
        if not item.startswith("."):  # `ask dialog` sub-commands such as .record
            said.append(item)
    skill_id = data.get("skillId")
    return ReplayScript(
        skill_id=skill_id if isinstance(skill_id, str) and skill_id else None,
        locale=str(data.get("locale") or "en-US"),
        user_input=said,
    )


def _fold(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").lower().split())


def turn_text(turn: Turn) -> str:
    """What the user heard this turn as plain words (the simulator's note if nothing was sent)."""
    return turn.note if turn.note is not None else speech_text(turn.output_speech)


def turn_ended_session(turn: Turn) -> bool | None:
    """Whether the session is over after `turn`; None when nothing was sent."""
    if turn.reprompt is not None:
        return False
    if turn.request is None:
        return None
    if turn.request_type == "SessionEndedRequest":
        return True
    return turn.should_end_session is not False


def check_turn(turn: Turn, expect: Expect, stored_checkins: int | None = None) -> list[str]:
    """Return one message per expectation `turn` fails (empty when it meets them all)."""
    failures: list[str] = []
    heard = turn_text(turn)
    for wanted in _as_list(expect.says):
        if _fold(wanted) not in _fold(heard):
            failures.append(f"expected speech to contain {wanted!r}; heard {heard!r}")
    for unwanted in _as_list(expect.not_says):
        if _fold(unwanted) in _fold(heard):
            failures.append(f"expected speech not to contain {unwanted!r}; heard {heard!r}")
    if expect.intent is not None and turn.intent != expect.intent:
        failures.append(f"expected intent {expect.intent}; sent {turn.intent or turn.request_type}")
    if expect.slots is not None:
        for name, value in expect.slots.items():
            if turn.slots.get(name) != value:
                failures.append(f"expected slot {name}={value!r}; sent {turn.slots}")
    ended = turn_ended_session(turn)
    if expect.ends_session is not None and ended != expect.ends_session:
        failures.append(f"expected ends_session {expect.ends_session}; got {ended}")
    if expect.stored_checkins is not None and stored_checkins != expect.stored_checkins:
        failures.append(
            f"expected {expect.stored_checkins} stored check-ins; found {stored_checkins}"
        )
    return failures


@dataclass(frozen=True)
class DialogResult:
    """The turns a dialog produced and every failed expectation, each naming its turn."""

    turns: list[Turn]
    failures: list[str]


def run_dialog(
    dialog: Dialog, conversation: Conversation, checkins: CheckinLog | None = None
) -> DialogResult:
    """Play `dialog` through `conversation`, checking each turn's expectations as it goes."""
    turns: list[Turn] = []
    failures: list[str] = []
    for number, step in enumerate(dialog.turns, start=1):
        turn = conversation.say(step.user)
        turns.append(turn)
        stored = None
        if step.expect.stored_checkins is not None:
            if checkins is None:
                raise DialogError(f"{dialog.name}: stored_checkins needs a store to count in")
            key = checkins.user_key(conversation.caller.user_id)
            stored = len(checkins.recent_checkins(key, limit=_COUNT_LIMIT))
        failures.extend(
            f"turn {number} ({step.user!r}): {message}"
            for message in check_turn(turn, step.expect, stored)
        )
    return DialogResult(turns, failures)
