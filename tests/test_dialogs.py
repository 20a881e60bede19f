"""Scripted conversations with the real skill: every YAML dialog in tests/dialogs, the `ask dialog`
replay of a first run, and the checks that make a dialog fail when the skill's answer changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.catalogue import Catalogue
from skill.cli import main
from skill.model import interaction_model, load_voice_interface
from skill.persistence import Store
from skill.sim.dialogs import (
    DialogError,
    Expect,
    check_turn,
    load_dialog,
    load_replay,
    run_dialog,
    turn_ended_session,
)
from skill.sim.envelopes import SIM_APPLICATION_ID, Caller
from skill.sim.nlu import InteractionModel, Resolver
from skill.sim.render import render_turn
from skill.sim.session import Conversation, InProcessTransport, Turn

DIALOGS = Path(__file__).parent / "dialogs"
DIALOG_FILES = sorted(DIALOGS.glob("*.yaml"))
FIRST_RUN_REPLAY = DIALOGS / "replay" / "first-run.json"


@pytest.fixture(scope="module")
def model_json(catalogue: Catalogue) -> dict[str, Any]:
    """The interaction model as `gentle-back build-model` generates it from today's sources."""
    return interaction_model(load_voice_interface(), catalogue)


@pytest.fixture
def resolver(model_json: dict[str, Any]) -> Resolver:
    return Resolver(InteractionModel.from_json(model_json))


def talk_as(
    user: str, skill: CustomSkill, resolver: Resolver, locale: str = "en-US"
) -> Conversation:
    return Conversation(
        InProcessTransport(skill), resolver, Caller(SIM_APPLICATION_ID, user, locale)
    )


def transcript(said: list[str], turns: list[Turn]) -> str:
    return "\n".join(
        f"you> {s}\n{render_turn(t, width=None)}" for s, t in zip(said, turns, strict=True)
    )


def test_there_are_dialogs_to_run() -> None:
    assert len(DIALOG_FILES) >= 6


@pytest.mark.parametrize("path", DIALOG_FILES, ids=lambda path: path.stem)
def test_the_skill_answers_each_turn_as_the_dialog_expects(
    path: Path, skill: CustomSkill, store: Store, resolver: Resolver
) -> None:
    dialog = load_dialog(path)
    result = run_dialog(dialog, talk_as(dialog.user, skill, resolver, dialog.locale), store)
    said = [step.user for step in dialog.turns]
    assert result.failures == [], transcript(said, result.turns)


def test_the_first_run_replay_ends_the_session_with_one_stored_check_in(
    skill: CustomSkill, store: Store, resolver: Resolver
) -> None:
    script = load_replay(FIRST_RUN_REPLAY)
    talk = talk_as("replay-first-run", skill, resolver, script.locale)
    turns = [talk.say(line) for line in script.user_input]
    stored = store.recent_checkins(store.user_key(talk.caller.user_id))
    assert len(stored) == 1, transcript(script.user_input, turns)
    assert (stored[0].routine_id, stored[0].pre_back, stored[0].post_leg) == (
        "legs-up-the-wall",
        3,
        2,
    )
    assert turn_ended_session(turns[-1]) is True


def answered(
    ssml: str, *, end: bool | None = False, intent: str = "AMAZON.YesIntent", **slots: str
) -> Turn:
    """A turn in which the user's intent got `ssml` back."""
    request: dict[str, Any] = {
        "request": {
            "type": "IntentRequest",
            "intent": {
                "name": intent,
                "slots": {k: {"name": k, "value": v} for k, v in slots.items()},
            },
        }
    }
    body: dict[str, Any] = {"outputSpeech": {"type": "SSML", "ssml": f"<speak>{ssml}</speak>"}}
    if end is not None:
        body["shouldEndSession"] = end
    return Turn("yes", request, {"version": "1.0", "response": body})


def test_says_matches_plain_words_whatever_their_case_and_markup() -> None:
    turn = answered(
        'Remember, <break time="2s"/> this is <emphasis level="moderate">NOT</emphasis> advice.'
    )
    assert check_turn(turn, Expect(says=["remember", "this is not advice"])) == []


def test_a_changed_answer_fails_says_and_reports_what_was_heard() -> None:
    turn = answered("Let's begin.")
    assert check_turn(turn, Expect(says="remember")) == [
        "expected speech to contain 'remember'; heard \"Let's begin.\""
    ]


def test_words_that_must_not_be_said_fail_when_said() -> None:
    failures = check_turn(answered("Time to stretch."), Expect(not_says=["Stretch"]))
    assert failures == ["expected speech not to contain 'Stretch'; heard 'Time to stretch.'"]


def test_a_different_intent_or_slot_value_fails_the_turn() -> None:
    turn = answered("Okay.", intent="PainScoreIntent", score="5")
    assert check_turn(turn, Expect(intent="PainScoreIntent", slots={"score": "5"})) == []
    assert len(check_turn(turn, Expect(intent="AMAZON.FallbackIntent", slots={"score": "6"}))) == 2


@pytest.mark.parametrize(("end", "ended"), [(True, True), (False, False), (None, True)])
def test_ends_session_follows_should_end_session_with_unset_meaning_ended(
    end: bool | None, ended: bool
) -> None:
    turn = answered("Bye.", end=end)
    assert check_turn(turn, Expect(ends_session=ended)) == []
    assert check_turn(turn, Expect(ends_session=not ended)) != []


def test_silence_that_replays_the_reprompt_keeps_the_session_open() -> None:
    turn = Turn("", reprompt={"type": "SSML", "ssml": "<speak>Are you there?</speak>"})
    assert check_turn(turn, Expect(says="are you there", ends_session=False)) == []


def test_a_stored_check_in_count_other_than_expected_fails() -> None:
    turn = answered("Saved.")
    assert check_turn(turn, Expect(stored_checkins=1), stored_checkins=1) == []
    assert check_turn(turn, Expect(stored_checkins=1), stored_checkins=0) == [
        "expected 1 stored check-ins; found 0"
    ]


def test_a_dialog_file_with_an_unknown_expectation_is_rejected_naming_the_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: x\nuser: u\nturns:\n  - user: hi\n    expect: {say: hello}\n")
    with pytest.raises(DialogError, match=r"typo\.yaml: turns\.0\.expect\.say: Extra inputs"):
        load_dialog(path)


def test_a_replay_file_loads_what_the_user_says_up_to_quit_without_ask_sub_commands(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.json"
    script = {"skillId": "amzn1.ask.skill.x", "locale": "en-GB", "type": "text", "userInput": ["a"]}
    path.write_text(json.dumps(script))
    replay = load_replay(path)
    assert (replay.skill_id, replay.locale, replay.user_input) == (
        "amzn1.ask.skill.x",
        "en-GB",
        ["a"],
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"userInput": "open gentle back"}, "userInput: expected a list of strings"),
        ({"type": "voice", "userInput": []}, 'type: only "text" replays'),
        ([], "expected a JSON object"),
    ],
)
def test_a_file_that_is_not_an_ask_dialog_replay_is_rejected(
    tmp_path: Path, content: Any, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(DialogError, match=problem):
        load_replay(path)


def test_replay_from_the_command_line_prints_the_transcript_and_exits_0(
    tmp_path: Path,
    model_json: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = tmp_path / "en-US.json"
    model.write_text(json.dumps(model_json))
    monkeypatch.setenv("GENTLE_BACK_DATA_DIR", str(tmp_path / "data"))
    code = main(["simulate", "--replay", str(FIRST_RUN_REPLAY), "--model", str(model)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("you> open gentle back\n» LaunchRequest\n")
    assert '» LegTrendIntent trend="closer to my back"→closer' in out
    assert out.count("you> ") == 23
    assert out.endswith("See you next time.\n(session ended)\n")


def test_a_yaml_dialog_from_the_command_line_exits_1_naming_the_failed_turn(
    tmp_path: Path,
    model_json: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = tmp_path / "en-US.json"
    model.write_text(json.dumps(model_json))
    dialog = tmp_path / "wrong.yaml"
    dialog.write_text(
        "name: wrong\nuser: cli-gina\nturns:\n"
        "  - user: open gentle back\n    expect: {says: medical advice}\n"
        "  - user: banana\n    expect: {intent: PainScoreIntent}\n"
    )
    monkeypatch.setenv("GENTLE_BACK_DATA_DIR", str(tmp_path / "data"))
    code = main(["simulate", "--replay", str(dialog), "--model", str(model)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == (
        f"{dialog}: turn 2 ('banana'): "
        "expected intent PainScoreIntent; sent AMAZON.FallbackIntent\n"
    )
    assert captured.out.endswith("wrong: FAILED\n")
