"""Sessions cut into turns: valid SSML within every limit, holds kept whole, safety respected.

The property tests run over every routine x profile x pace x verbosity of the engine fixtures
(tests/fixtures/engine) and of the real catalogue (sessions/).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from skill.catalogue import Catalogue, load_catalogue, normalise_phrase
from skill.choices import PACES, PROFILES
from skill.cli import main
from skill.config import DEFAULT_SESSIONS_DIR
from skill.limits import (
    MAX_AUDIO_SECONDS,
    MAX_AUDIO_TAGS,
    MAX_REPROMPT_AUDIO_SECONDS,
    MAX_RESPONSE_BYTES,
    MAX_SSML_CHARS,
)
from skill.phrases import phrases
from skill.schema import Modify, Pose, Routine, Sides
from skill.ssml import check, plain, speak
from skill.timeline import Pause, Speech
from skill.timing import SOUND_SECONDS, pace_named, speech_seconds
from skill.turns import (
    AUDIO_SECONDS_RESERVE,
    AUDIO_TAG_RESERVE,
    MAX_TURN_SECONDS,
    RESPONSE_RESERVE_BYTES,
    SSML_RESERVE_CHARS,
    Session,
    build_session,
)

FIXTURES = Path(__file__).parent / "fixtures" / "engine"
SOURCES = {"fixtures": FIXTURES, "sessions": DEFAULT_SESSIONS_DIR}

VERBOSITIES = ("full", "brief")
AUDIO = "https://audio.example.com/gentle-back"
COPY = phrases("pacing")


@cache
def catalogue(source: str) -> Catalogue:
    return load_catalogue(SOURCES[source])


@cache
def session(
    source: str, routine: str, profile: str, pace: str, verbosity: str, audio: bool = False
) -> Session:
    return build_session(
        catalogue(source),
        routine,
        profile=profile,
        pace=pace,
        verbosity=verbosity,
        audio_base_url=AUDIO if audio else None,
    )


def routine_ids(folder: Path) -> list[str]:
    """Routine ids are file stems (the validator enforces it), so listing needs no loading."""
    return sorted(p.stem for p in folder.glob("*.y*ml"))


def cases() -> list[object]:
    out: list[object] = []
    for source, folder in SOURCES.items():
        ids = routine_ids(folder)
        if not ids:
            reason = f"{folder} has no routines yet (the content is still being written)"
            out.append(
                pytest.param(
                    source,
                    "-",
                    "-",
                    "-",
                    "-",
                    marks=pytest.mark.skip(reason=reason),
                    id=f"{source}-none",
                )
            )
        for routine in ids:
            for profile in PROFILES:
                for pace in PACES:
                    for verbosity in VERBOSITIES:
                        case_id = f"{source}-{routine}-{profile}-{pace}-{verbosity}"
                        out.append(
                            pytest.param(source, routine, profile, pace, verbosity, id=case_id)
                        )
    return out


every_session = pytest.mark.parametrize(
    ("source", "routine", "profile", "pace", "verbosity"), cases()
)


def sounds(text: str) -> list[str]:
    return re.findall(r"\[sound ([\w-]+)\]", text)


def pause_total(text: str) -> float:
    return sum(float(s) for s in re.findall(r"\[pause ([\d.]+)s\]", text))


# ---- properties of every session ----


@every_session
def test_every_turn_is_valid_alexa_ssml_within_every_limit(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    for audio in (False, True):
        for turn in session(source, routine, profile, pace, verbosity, audio).turns:
            problems = check(
                turn.ssml,
                max_chars=MAX_SSML_CHARS - SSML_RESERVE_CHARS,
                max_audio_tags=MAX_AUDIO_TAGS - AUDIO_TAG_RESERVE,
                sound_seconds=SOUND_SECONDS,
                max_audio_seconds=MAX_AUDIO_SECONDS - AUDIO_SECONDS_RESERVE,
            )
            assert problems == [], f"turn {turn.index}: {problems}"
            assert check(speak(turn.reprompt), max_audio_seconds=MAX_REPROMPT_AUDIO_SECONDS) == []
            assert "<audio" not in turn.reprompt
            response = json.dumps(
                {"ssml": turn.ssml, "reprompt": speak(turn.reprompt)}, ensure_ascii=False
            )
            assert len(response.encode()) <= MAX_RESPONSE_BYTES - RESPONSE_RESERVE_BYTES
            assert turn.planned_seconds <= MAX_TURN_SECONDS


@every_session
def test_every_hold_lasts_its_paced_dose_within_five_percent(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity)
    held: dict[tuple[int | None, int | None, int | None], float] = defaultdict(float)
    for turn in built.turns:
        for event in turn.events:
            if event.is_hold:
                held[(event.step, event.side, event.rep)] += event.seconds
    expected = {}
    for index, step in enumerate(built.plan):
        if step.hold is not None:
            dose = pace_named(pace).hold(step.hold)
            for side in range(step.side_count):
                for rep in range(step.reps):
                    expected[(index, side, rep)] = dose
    assert held.keys() == expected.keys()
    for key, dose in expected.items():
        assert held[key] == pytest.approx(dose, rel=0.05), key


@every_session
def test_the_session_opens_with_the_intro_and_safety_cue_and_ends_with_the_closing(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity)
    first, last = built.turns[0], built.turns[-1]
    content = catalogue(source).routines[routine]
    assert first.kind == "intro" and first.step is None
    assert first.text.startswith(" ".join(content.intro[0].split()))
    safety = normalise_phrase(COPY.alternatives("safety_intro")[0])
    assert normalise_phrase(first.text).count(safety) == 1
    assert all(e.section == "intro" for e in first.events)
    assert last.kind == "closing" and last.prompt == ""
    assert [t.kind for t in built.turns[1:-1]] and {t.kind for t in built.turns[1:-1]} <= {
        "step",
        "continue",
    }


@every_session
def test_every_two_sided_pose_is_done_on_both_sides(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity)
    events = [e for t in built.turns for e in t.events]
    for index, step in enumerate(built.plan):
        if step.sides is Sides.BOTH:
            switches = [
                e
                for e in events
                if isinstance(e, Speech) and e.step == index and "other side" in e.text
            ]
            assert len(switches) == 1, index
            sides = {e.side for e in events if e.step == index and e.rep is not None}
            assert sides == {0, 1}


def avoided_names(source: str, profile: str, offered: str) -> list[str]:
    """Names and aliases of poses avoided for `profile` that are not part of an offered name."""
    return [
        name
        for pose in catalogue(source).poses.values()
        if pose.verdicts[profile] == "avoid"  # type: ignore[index]
        for name in (pose.name, *pose.aliases)
        if name.lower() not in offered.lower()
    ]


def named(name: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(name.lower())}\b", text.lower()) is not None


@every_session
def test_avoided_poses_are_never_named_and_modified_poses_appear_as_their_variant(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity)
    library = catalogue(source).poses
    # Everything the session says but the routine's own intro and closing (checked below).
    said = " ".join(
        e.text
        for t in built.turns
        for e in t.events
        if isinstance(e, Speech) and e.kind not in {"intro", "closing"}
    )
    for name in avoided_names(source, profile, " ".join(s.pose.name for s in built.plan)):
        assert not named(name, said), name
    for index, step in enumerate(built.plan):
        announced = [
            e.text
            for t in built.turns
            for e in t.events
            if isinstance(e, Speech) and e.step == index and e.kind in {"pose", "variant"}
        ]
        assert len(announced) == 1 and step.pose.name in announced[0]
        requested = library[step.requested]
        if isinstance(requested.verdicts[profile], Modify):  # type: ignore[index]
            assert step.modified
            assert requested.name not in announced[0].replace(step.pose.name, "")


@pytest.mark.parametrize(
    ("source", "routine", "profile"),
    [
        pytest.param(s, r, p, id=f"{s}-{r}-{p}")
        for s, folder in SOURCES.items()
        for r in routine_ids(folder)
        for p in PROFILES
    ],
)
def test_a_routine_intro_and_closing_never_name_a_pose_avoided_for_the_profile(
    source: str, routine: str, profile: str
) -> None:
    content = catalogue(source).routines[routine]
    built = session(source, routine, profile, "normal", "full")
    offered = " ".join(s.pose.name for s in built.plan)
    for line in (*content.intro, *content.closing):
        for name in avoided_names(source, profile, offered):
            assert not named(name, line), (
                f"{routine}: {line!r} names {name!r}, avoided for {profile}"
            )


@every_session
def test_every_turn_plans_the_time_its_speech_silence_and_prompt_take(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    rate = pace_named(pace).rate_percent
    for turn in session(source, routine, profile, pace, verbosity).turns:
        for event in turn.events:
            if isinstance(event, Speech):
                assert event.seconds == pytest.approx(speech_seconds(event.text, rate))
        prompt = plain(speak(turn.prompt)) if turn.prompt else ""
        spoken = sum(e.seconds for e in turn.events) + (
            speech_seconds(prompt, rate) if prompt else 0
        )
        assert turn.planned_seconds == pytest.approx(spoken, abs=0.01)
        silence = sum(e.seconds for e in turn.events if isinstance(e, Pause))
        assert pause_total(turn.text) == pytest.approx(
            silence, abs=0.05 * (1 + turn.text.count("[pause"))
        )


@every_session
def test_with_audio_every_pose_starts_with_a_chime_sides_switch_with_one_and_a_bell_ends(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity, audio=True)
    heard = [sounds(t.text) for t in built.turns]
    assert heard[-1] == ["end-bell"]
    assert sum(h.count("start-chime") for h in heard) == len(built.plan)
    two_sided = sum(1 for s in built.plan if s.sides is Sides.BOTH)
    assert sum(h.count("switch-sides") for h in heard) == two_sided
    assert all(len(h) <= MAX_AUDIO_TAGS - AUDIO_TAG_RESERVE for h in heard)
    assert (
        sounds(" ".join(t.text for t in session(source, routine, profile, pace, verbosity).turns))
        == []
    )


@every_session
def test_turns_and_steps_map_onto_each_other(
    source: str, routine: str, profile: str, pace: str, verbosity: str
) -> None:
    built = session(source, routine, profile, pace, verbosity)
    assert [t.index for t in built.turns] == list(range(len(built.turns)))
    for step in range(len(built.plan)):
        first = built.first_turn_of_step(step)
        assert built.turns[first].kind == "step" and step in built.turns[first].steps
        assert built.step_of_turn(first) == built.turns[first].steps[0]
    assert built.planned_seconds == pytest.approx(sum(t.planned_seconds for t in built.turns))


@pytest.mark.parametrize(
    ("source", "routine"),
    [
        pytest.param(s, r, id=f"{s}-{r}")
        for s, folder in SOURCES.items()
        for r in routine_ids(folder)
    ],
)
def test_building_a_session_twice_gives_identical_turns(source: str, routine: str) -> None:
    fresh = load_catalogue(SOURCES[source])  # a different object: no cache can answer for it
    for profile in PROFILES:
        once = build_session(
            catalogue(source), routine, profile=profile, verbosity="brief", audio_base_url=AUDIO
        )
        again = build_session(
            fresh, routine, profile=profile, verbosity="brief", audio_base_url=AUDIO
        )
        assert once == again


# ---- specific sessions ----


def test_a_ten_minute_hold_continues_across_turns_and_its_parts_add_up_to_the_dose() -> None:
    built = session("fixtures", "fixture-long-hold", "stenosis", "normal", "full")
    step = next(i for i, s in enumerate(built.plan) if s.pose.id == "legs-up-the-wall")
    parts = [t for t in built.turns if step in t.steps]
    assert [t.kind for t in parts] == ["step", "continue", "continue"]
    hold_prompt = COPY.alternatives("prompt_hold")[0]
    assert all(plain(speak(t.prompt)) == hold_prompt for t in parts[:-1])
    assert plain(speak(parts[-1].prompt)) == COPY.alternatives("prompt_next")[0]
    for t in parts[1:]:
        assert re.match(r"(Still holding|Stay with it)\. About [\w ]+ to go\.", t.text)
    held = [sum(e.seconds for e in t.events if e.is_hold) for t in parts]
    assert all(h > 0 for h in held)
    assert sum(held) == pytest.approx(600, rel=0.05)
    assert sum(held) == pytest.approx(600, abs=0.1)


def one_pose_catalogue(**dose_and_sides: object) -> Catalogue:
    """A catalogue of one routine doing one pose, for sessions shaped by hand."""
    pose = Pose.model_validate(
        {
            "id": "long-pose",
            "name": "Long pose",
            "direction": "neutral",
            "verdicts": {"disc": "allow", "stenosis": "allow", "unsure": "allow"},
            "setup": ["Lie on your back."],
            "safety_cue": "Ease off if anything hurts.",
            "release": "Relax.",
            **dose_and_sides,
        }
    )
    routine = Routine.model_validate(
        {
            "id": "long-routine",
            "title": "Long routine",
            "summary": "One long pose.",
            "suits": "Tests.",
            "intro": ["Welcome."],
            "steps": [{"pose": "long-pose"}],
            "closing": ["Done."],
        }
    )
    return Catalogue(poses={pose.id: pose}, routines={routine.id: routine})


def test_a_two_sided_pose_too_long_for_one_turn_is_cut_between_its_sides() -> None:
    library = one_pose_catalogue(sides="both", dose={"hold": 45, "reps": 3, "rest": 10})
    built = build_session(library, "long-routine", profile="disc")
    first, second = built.turns[1:3]
    assert (first.kind, second.kind) == ("step", "continue")
    assert plain(speak(first.prompt)) == COPY.alternatives("prompt_side")[0]
    assert {e.side for e in first.events if e.rep is not None} == {0}
    assert "other side" in second.text.split(".")[0]


def test_a_long_set_of_reps_is_cut_between_reps_and_carries_on_counting() -> None:
    library = one_pose_catalogue(dose={"per_rep": 15, "reps": 30}, breath="with-movement")
    built = build_session(library, "long-routine", profile="disc")
    parts = [t for t in built.turns if t.kind in {"step", "continue"}]
    assert len(parts) >= 2 and all(t.kind == "continue" for t in parts[1:])
    for before, after in itertools.pairwise(parts):
        assert plain(speak(before.prompt)) == COPY.alternatives("prompt_paused")[0]
        assert after.text.split(".")[0] + "." in COPY.alternatives("continue_reps")
        assert before.events[-1].rep is not None and after.events[1].rep is not None
    counts = [
        e.text for t in parts for e in t.events if isinstance(e, Speech) and e.kind == "count"
    ]
    assert len(counts) == 30 and counts[-1] in COPY.alternatives("last_one")


def test_a_hold_is_only_cut_in_a_quiet_moment_never_between_breathing_in_and_out() -> None:
    built = session("fixtures", "fixture-long-hold", "stenosis", "slow", "full")
    for turn in built.turns:
        if turn.kind != "closing" and turn.events[-1].is_hold:
            last = turn.events[-1]
            assert isinstance(last, Pause) and last.kind == "hold"


def test_routine_text_with_ampersands_angles_quotes_and_accents_is_escaped_and_valid() -> None:
    built = session("fixtures", "fixture-escapes", "disc", "normal", "full")
    ssml = "".join(t.ssml for t in built.turns)
    assert 'Café &amp; "Über" &lt;stretch&gt;' in ssml
    assert "&lt;today&gt;" in ssml and "Grüß dich" in ssml
    assert "&amp;amp;" not in ssml
    text = " ".join(t.text for t in built.turns)
    assert 'Welcome — we\'ll go "slow" & easy <today>.' in text
    assert "Fertig & done — «très bien»." in text
    assert all(check(t.ssml) == [] for t in built.turns)


def test_short_poses_share_a_turn_and_long_ones_have_their_own() -> None:
    built = session("fixtures", "fixture-mixed", "disc", "normal", "full")
    names = [s.pose.id for s in built.plan]
    tilt, rolls = names.index("pelvic-tilt"), names.index("knee-rolls")
    shared = built.turns[built.first_turn_of_step(tilt)]
    assert shared.steps == (tilt, rolls) and built.first_turn_of_step(rolls) == shared.index
    assert all(len(t.steps) == 1 for t in built.turns if t.kind == "step" and t is not shared)


def test_every_turn_but_the_closing_ends_with_a_prompt_and_has_a_reprompt() -> None:
    built = session("fixtures", "fixture-mixed", "stenosis", "normal", "full")
    for turn in built.turns[:-1]:
        assert turn.text.endswith(plain(speak(turn.prompt))) and turn.prompt
        assert 0 < len(plain(speak(turn.reprompt))) < 80
    assert plain(speak(built.turns[0].prompt)) == COPY.alternatives("prompt_intro")[0]


def test_a_screening_yes_swaps_legs_up_the_wall_for_the_chair() -> None:
    built = build_session(
        catalogue("fixtures"), "fixture-long-hold", profile="stenosis", screened_yes=True
    )
    text = " ".join(t.text for t in built.turns)
    assert "Legs on a chair" in text and "Legs up the wall" not in text


def test_avoided_directions_never_appear() -> None:
    built = build_session(
        catalogue("fixtures"), "fixture-mixed", profile="disc", avoid_directions=["extension"]
    )
    assert "Sphinx" not in " ".join(t.text for t in built.turns)


def test_build_session_refuses_unknown_options() -> None:
    fixtures = catalogue("fixtures")
    with pytest.raises(KeyError, match="unknown routine"):
        build_session(fixtures, "no-such-routine", profile="disc")
    for option, value in (("profile", "knee"), ("pace", "sprint"), ("verbosity", "chatty")):
        options = {"profile": "disc", option: value}
        with pytest.raises(ValueError, match=f"unknown {option}"):
            build_session(fixtures, "fixture-mixed", **options)  # type: ignore[arg-type]


# ---- the script command ----


def test_script_prints_every_turn_with_its_duration_and_size_then_a_total(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_SESSIONS_DIR", str(FIXTURES))
    assert main(["script", "fixture-mixed", "--profile", "disc", "--pace", "slow"]) == 0
    out = capsys.readouterr().out
    built = session("fixtures", "fixture-mixed", "disc", "slow", "full")
    headers = re.findall(r"^--- turn (\d+) · (\w+) · (\d+):(\d\d) · (\d+) chars$", out, re.M)
    assert [(int(n), k) for n, k, *_ in headers] == [(t.index + 1, t.kind) for t in built.turns]
    assert [int(c) for *_, c in headers] == [len(t.ssml) for t in built.turns]
    assert "[pause " in out and "<speak>" not in out
    assert re.search(rf"^total: {len(built.turns)} turns, \d+:\d\d", out, re.M)


def test_script_prints_raw_ssml_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_SESSIONS_DIR", str(FIXTURES))
    assert main(["script", "fixture-escapes", "--brief", "--ssml"]) == 0
    out = capsys.readouterr().out
    assert "<speak>" in out and "&amp;" in out


def test_script_names_the_routines_when_asked_for_an_unknown_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_SESSIONS_DIR", str(FIXTURES))
    assert main(["script", "no-such-routine"]) == 2
    err = capsys.readouterr().err
    assert "no-such-routine" in err and "fixture-escapes, fixture-long-hold, fixture-mixed" in err
