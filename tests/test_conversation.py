"""Conversation tests: the real skill, real envelopes, turn by turn, including awkward paths."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alexa import TEST_SECRET, Conversation, Turn
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.catalogue import Catalogue
from skill.config import Settings
from skill.persistence import Store, build_store

LUTW = ("legs up the wall", "legs-up-the-wall")


def onboard(talk: Conversation, *, consent: bool = True, profile: str = "disc") -> Turn:
    """A first run through set-up with every safety answer no; returns the suggestion turn."""
    first = talk.launch()
    assert first.says("not give medical advice", "emergency number")
    assert not first.ended
    turn = talk.yes()
    if "remember" in turn.text.lower():
        turn = talk.yes() if consent else talk.no()
    assert turn.says("disc problem", "narrowing of the spinal canal", "not sure")
    turn = talk.say("ConditionIntent", condition=(profile, profile))
    for _ in range(3):  # the emergency-tier questions
        assert not turn.ended
        turn = talk.no()
    for _ in range(2):  # the urgent-tier questions
        assert not turn.ended
        turn = talk.no()
    assert not turn.ended
    return turn


def start_routine(talk: Conversation, routine: tuple[str, str] = LUTW) -> Turn:
    turn = talk.say("StartRoutineIntent", routine=routine)
    for _ in range(8):
        if turn.says("zero to ten"):
            return turn
        assert not turn.ended, turn.text
        turn = talk.no()  # screening and red-flag questions: all no
    raise AssertionError(f"no pain question before the routine: {turn.text}")


def run_to_checkin(talk: Conversation, turn: Turn, limit: int = 80) -> Turn:
    for _ in range(limit):
        if turn.says("how much pain do you have right now in your back"):
            return turn
        turn = talk.say("AMAZON.NextIntent")
    raise AssertionError("the routine never reached the check-in")


def finish_checkin(talk: Conversation) -> Turn:
    """Answer no to the numbness question and to a red-flag re-check when one is asked."""
    turn = talk.no()
    if not turn.ended:
        assert turn.says("since we last spoke"), turn.text
        turn = talk.no()
    assert turn.ended
    return turn


def exercise_words(catalogue: Catalogue) -> list[str]:
    names = [p.name.lower() for p in catalogue.poses.values()]
    return [*names, "breathe in", "get ready", "release", "other side"]


def checkin_rows(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        count: int = db.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]
    return count


def test_a_first_run_user_completes_legs_up_the_wall_and_the_check_in_is_stored(
    talk: Conversation, settings: Settings, store: Store
) -> None:
    onboard(talk)
    turn = start_routine(talk)
    turn = talk.score("4")
    assert turn.says("in your leg")
    turn = talk.score("3")
    assert turn.says("legs up the wall")
    turn = run_to_checkin(talk, turn)
    turn = talk.score("3")
    turn = talk.score("2")
    assert turn.says("further down", "about the same", "closer")
    turn = talk.say("LegTrendIntent", trend=("closer to my back", "closer"))
    assert turn.says("numbness or weakness")
    turn = talk.no()
    assert turn.ended
    assert turn.says("good sign", "saved")
    records = store.recent_checkins(store.user_key(talk.user_id))
    assert len(records) == 1
    saved = records[0]
    assert (saved.routine_id, saved.profile) == ("legs-up-the-wall", "disc")
    assert (saved.pre_back, saved.pre_leg, saved.post_back, saved.post_leg) == (4, 3, 3, 2)
    assert saved.leg_trend == "closer" and saved.new_numbness is False


def test_a_returning_user_resumes_mid_routine_after_the_session_ends_in_silence(
    talk: Conversation,
) -> None:
    onboard(talk)
    start_routine(talk, ("gentle lower back", "gentle-lower-back"))
    talk.score("5")
    first_pose = talk.score("5")
    second_pose = talk.say("AMAZON.NextIntent")
    assert second_pose.text != first_pose.text
    talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    talk.wait(hours=3)
    welcome = talk.launch()
    assert welcome.says("welcome back", "pick up where you left off")
    resumed = talk.yes()
    while not resumed.says("pick up"):
        assert not resumed.ended, resumed.text
        resumed = talk.no()  # the brief red-flag question of a new session
    assert not resumed.says("zero to ten"), "scores were given before the break"
    # The pose being done when the session ended comes back, from its start.
    assert second_pose.text[:60].lower() in resumed.text.lower()


def test_a_red_flag_yes_at_the_pre_check_ends_with_the_emergency_instruction_only(
    talk: Conversation, catalogue: Catalogue
) -> None:
    onboard(talk)
    talk.session_ended("USER_INITIATED")
    talk.wait(days=1)
    talk.launch()
    turn = talk.say("StartRoutineIntent", routine=("gentle lower back", "gentle-lower-back"))
    assert turn.says("since we last spoke")
    turn = talk.yes()
    assert turn.ended
    assert turn.says("emergency number", "don't drive yourself")
    spoken = turn.text.lower()
    assert not [w for w in exercise_words(catalogue) if w in spoken]
    # Relaunching cannot skip past it: an explicit acknowledgement comes before anything else.
    again = talk.launch()
    assert again.says("checked by a doctor")
    refused = talk.no()
    assert refused.ended and not [w for w in exercise_words(catalogue) if w in refused.text.lower()]


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_during_a_hold_end_the_session_and_keep_the_position(
    talk: Conversation, intent: str
) -> None:
    onboard(talk)
    start_routine(talk)
    talk.score("4")
    holding = talk.score("4")
    assert not holding.ended
    stopped = talk.say(intent)
    assert stopped.ended and stopped.says("remember where you were")
    talk.wait(hours=1)
    assert talk.launch().says("pick up where you left off")


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_during_the_check_in_keep_the_answers_given(
    talk: Conversation, store: Store, intent: str
) -> None:
    onboard(talk)
    start_routine(talk, ("morning five", "morning-five"))
    talk.score("4")
    turn = run_to_checkin(talk, talk.score("4"))
    talk.score("2")
    stopped = talk.say(intent)
    assert stopped.ended
    records = store.recent_checkins(store.user_key(talk.user_id))
    assert len(records) == 1 and records[0].post_back == 2 and not records[0].completed
    assert turn is not None


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_during_onboarding_end_without_storing_an_acknowledgement(
    talk: Conversation, intent: str
) -> None:
    talk.launch()
    stopped = talk.say(intent)
    assert stopped.ended
    again = talk.launch()
    assert again.says("not give medical advice")


@pytest.mark.parametrize("answer", ["banana", "eleven", "11", "4.5", "-3", ""])
def test_a_pain_score_that_is_not_zero_to_ten_gets_one_gentle_re_ask_and_is_never_stored(
    talk: Conversation, store: Store, answer: str
) -> None:
    onboard(talk)
    start_routine(talk, ("morning five", "morning-five"))
    talk.score("4")
    talk.score("4")
    turn = run_to_checkin(talk, talk.history[-1])
    retry = talk.say("AMAZON.FallbackIntent") if answer == "banana" else talk.score(answer)
    assert retry.says("whole number from zero to ten", "for example")
    assert not retry.ended
    again = talk.say("AMAZON.FallbackIntent") if answer == "banana" else talk.score(answer)
    assert again.says("move on", "in your leg")
    talk.score("3")
    talk.say("LegTrendIntent", trend=("about the same", "same"))
    talk.no()
    records = store.recent_checkins(store.user_key(talk.user_id))
    assert records[-1].post_back is None and records[-1].post_leg == 3
    assert turn is not None


def test_eleven_then_a_valid_score_stores_the_valid_one(talk: Conversation, store: Store) -> None:
    onboard(talk)
    start_routine(talk, ("morning five", "morning-five"))
    assert talk.score("11").says("zero to ten")
    assert talk.score("6").says("in your leg")
    talk.score("2")
    run_to_checkin(talk, talk.history[-1])
    talk.score("5")
    talk.score("2")
    talk.say("LegTrendIntent", trend=("same", "same"))
    talk.no()
    talk.no()  # the brief red-flag question asked because back pain is not lower
    saved = store.recent_checkins(store.user_key(talk.user_id))[-1]
    assert saved.pre_back == 6


def test_leg_tingling_further_down_removes_that_direction_for_the_rest_of_the_session(
    talk: Conversation, catalogue: Catalogue
) -> None:
    onboard(talk, profile="stenosis")
    start_routine(talk, ("stenosis flexion", "stenosis-flexion"))
    talk.score("3")
    turn = talk.score("3")
    flexion_names = {
        p.name.lower() for p in catalogue.poses.values() if p.direction.value == "flexion"
    }
    while not any(name in turn.text.lower() for name in flexion_names):
        turn = talk.say("AMAZON.NextIntent")
    asked = talk.say("SymptomIntent")
    assert asked.says("further down", "closer to your back")
    after = talk.say("LegTrendIntent", trend=("further down", "further"))
    assert after.says("means stop")
    rest: list[str] = [after.text.lower()]
    turn = after
    while not turn.says("how much pain do you have right now in your back"):
        turn = talk.say("AMAZON.NextIntent")
        rest.append(turn.text.lower())
    spoken = " ".join(rest)
    assert not [name for name in flexion_names if name in spoken]
    # ... and next time too.
    talk.say("AMAZON.StopIntent")
    talk.wait(days=1)
    talk.launch()
    talk.no()  # no resume
    listed = talk.say("StartRoutineIntent", routine=("stenosis flexion", "stenosis-flexion"))
    while not listed.says("zero to ten"):
        listed = talk.no()
    talk.score("2")
    first = talk.score("2")
    assert not [n for n in flexion_names if n in first.text.lower()]


def test_with_consent_off_nothing_about_ratings_reaches_the_database_file(
    talk: Conversation, settings: Settings
) -> None:
    onboard(talk, consent=False)
    start_routine(talk, ("morning five", "morning-five"))
    talk.score("7")
    run_to_checkin(talk, talk.score("8"))
    talk.score("9")
    talk.score("9")
    talk.say("LegTrendIntent", trend=("same", "same"))
    talk.no()
    final = talk.no()
    assert final.ended and not final.says("saved")
    assert checkin_rows(settings.sqlite_path) == 0
    raw = b"".join(p.read_bytes() for p in settings.sqlite_path.parent.glob("*.sqlite3*"))
    for word in (b"pre_back", b"post_back", b"post_leg", b'gentler_next": true'):
        assert word not in raw


def test_with_rating_storage_switched_off_the_skill_never_asks_for_consent(
    settings: Settings, catalogue: Catalogue, store: Store
) -> None:
    off = Settings(**{**settings.__dict__, "store_ratings": False})
    talk = Conversation(build_skill(off, catalogue=catalogue, store=store))
    talk.launch()
    turn = talk.yes()
    assert not turn.says("remember")
    assert turn.says("disc problem")


def test_forget_my_data_deletes_every_row_of_the_user(
    talk: Conversation, settings: Settings, store: Store, skill: CustomSkill
) -> None:
    other = Conversation(skill, user_id="amzn1.ask.account.OTHER")
    for person in (talk, other):
        onboard(person)
        start_routine(person, ("morning five", "morning-five"))
        person.score("4")
        run_to_checkin(person, person.score("4"))
        person.score("3")
        person.score("3")
        person.say("LegTrendIntent", trend=("same", "same"))
        finish_checkin(person)
    assert checkin_rows(settings.sqlite_path) == 2
    talk.launch()
    asked = talk.say("ForgetDataIntent")
    assert asked.says("are you sure")
    done = talk.yes()
    assert done.ended and done.says("deleted everything")
    assert store.recent_checkins(store.user_key(talk.user_id)) == []
    assert len(store.recent_checkins(store.user_key(other.user_id))) == 1
    assert talk.launch().says("not give medical advice")  # a fresh start


def test_how_am_i_doing_speaks_the_trend_of_stored_check_ins(talk: Conversation) -> None:
    onboard(talk)
    for before, after in ((6, 6), (6, 5), (5, 4)):
        start_routine(talk, ("morning five", "morning-five"))
        talk.score(str(before))
        run_to_checkin(talk, talk.score("3"))
        talk.score(str(after))
        talk.score("2")
        talk.say("LegTrendIntent", trend=("same", "same"))
        finish_checkin(talk)
        talk.wait(days=6)
        talk.launch()
    turn = talk.say("TrendIntent")
    assert turn.says("back pain went from 6 to 4", "weeks")
    assert not turn.ended


def test_the_raw_amazon_user_id_is_never_stored(talk: Conversation, settings: Settings) -> None:
    onboard(talk)
    raw = b"".join(p.read_bytes() for p in settings.sqlite_path.parent.glob("*.sqlite3*"))
    assert b"TESTUSER123" not in raw


def test_help_during_a_routine_lists_the_controls_and_keeps_the_session_open(
    talk: Conversation,
) -> None:
    onboard(talk)
    start_routine(talk)
    talk.score("2")
    talk.score("2")
    helped = talk.say("AMAZON.HelpIntent")
    assert helped.says("next", "previous", "this hurts") and not helped.ended


def test_without_a_configured_secret_the_sqlite_store_creates_one_beside_the_database(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    settings = Settings(sqlite_path=tmp_path / "db.sqlite3")
    store = build_store(settings)
    try:
        talk = Conversation(build_skill(settings, catalogue=catalogue, store=store))
        assert talk.launch().says("welcome")
    finally:
        store.close()
    secret = (tmp_path / "user-key.secret").read_bytes()
    assert len(secret) >= 32 and TEST_SECRET not in secret


@pytest.mark.parametrize(
    "attributes",
    [
        {"stage": "routine", "routine_id": "no-such-routine", "turn": 3},
        {"stage": "routine", "routine_id": "morning-five", "turn": "three", "pace": "warp"},
        {"stage": "redflags", "question": 99},
        {"stage": "screening", "routine_id": "legs-up-the-wall", "question": 42},
        {"stage": 7, "avoid_directions": "abc", "checks_done": {"x": 1}},
        {"stage": "routine", "routine_id": "morning-five", "turn": 10_000},
        {"stage": "confirm_routine", "pending_routine": ["not", "a", "string"]},
        {"stage": "routine"},
        {"stage": "pre_back", "retries": 1},
    ],
    ids=[
        "gone-routine",
        "mistyped",
        "question-out-of-range",
        "screening-out-of-range",
        "wrong-types",
        "turn-past-the-end",
        "pending-not-a-string",
        "routine-without-one",
        "score-without-a-routine",
    ],
)
@pytest.mark.parametrize(
    "intent",
    [
        "AMAZON.YesIntent",
        "AMAZON.NextIntent",
        "AMAZON.PreviousIntent",
        "SkipPoseIntent",
        "AMAZON.HelpIntent",
        "SymptomIntent",
        "AMAZON.FallbackIntent",
        "AMAZON.ResumeIntent",
    ],
)
def test_corrupted_session_attributes_get_a_sensible_answer_not_an_error(
    talk: Conversation, attributes: dict[str, object], intent: str
) -> None:
    onboard(talk)
    talk.attributes = dict(attributes)
    turn = talk.say(intent)
    assert not turn.says("something went wrong"), turn.text
