"""What a typed utterance means to the simulator: the intent, slots and entity resolution Alexa
would send, resolved offline from the interaction model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.catalogue import Catalogue
from skill.model import example_phrases, interaction_model, load_voice_interface
from skill.sim.nlu import (
    BUILTIN_PHRASES,
    FALLBACK_INTENT,
    NUMBER_TYPE,
    InteractionModel,
    Resolution,
    Resolver,
    parse_number,
)

FIXTURE_MODEL = Path(__file__).parent / "fixtures" / "sim" / "en-US.json"


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(InteractionModel.load(FIXTURE_MODEL))


def tiny_model(
    intents: list[dict[str, Any]], types: list[dict[str, Any]] | None = None
) -> Resolver:
    """A resolver over a hand-written model, for rules the real model does not exercise."""
    language = {"invocationName": "gentle back", "intents": intents, "types": types or []}
    return Resolver(InteractionModel.from_json({"interactionModel": {"languageModel": language}}))


def slot_values(resolution: Resolution) -> dict[str, str | None]:
    return {slot.name: slot.value for slot in resolution.slots}


def test_a_custom_slot_value_resolves_to_its_value_and_id(resolver: Resolver) -> None:
    resolution = resolver.resolve("start legs up the wall")
    routine = resolution.slot("routine")
    assert resolution.intent == "StartRoutineIntent"
    assert routine is not None
    assert (routine.value, routine.status, routine.resolved_id) == (
        "legs up the wall",
        "ER_SUCCESS_MATCH",
        "legs-up-the-wall",
    )


def test_a_synonym_resolves_to_the_canonical_value_while_keeping_the_spoken_words(
    resolver: Resolver,
) -> None:
    condition = resolver.resolve("my doctor said a herniated disc").slot("condition")
    assert condition is not None
    assert condition.value == "a herniated disc"
    assert (condition.resolved_id, condition.resolved_name) == ("disc", "a disc problem")


def test_an_unknown_value_after_a_carrier_phrase_arrives_with_no_match(resolver: Resolver) -> None:
    resolution = resolver.resolve("start the banana routine")
    routine = resolution.slot("routine")
    assert resolution.intent == "StartRoutineIntent"
    assert routine is not None
    assert (routine.value, routine.status, routine.resolved_id) == (
        "banana",
        "ER_SUCCESS_NO_MATCH",
        None,
    )


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("five", "5"),
        ("5", "5"),
        ("eleven", "11"),
        ("twenty one", "21"),
        ("twenty-one", "21"),
        ("it's seven", "7"),
        ("about 3", "3"),
        ("eleven out of ten", "11"),
        ("a hundred and two", "102"),
        ("zero", "0"),
    ],
)
def test_a_number_fills_an_amazon_number_slot_as_a_digit_string(
    resolver: Resolver, said: str, digits: str
) -> None:
    resolution = resolver.resolve(said)
    assert (resolution.intent, slot_values(resolution)) == ("PainScoreIntent", {"score": digits})


@pytest.mark.parametrize("said", ["banana", "five five", "twenty zero", "it's five apples"])
def test_words_that_are_not_a_number_do_not_fill_a_number_slot(said: str) -> None:
    resolver = tiny_model(
        [{"name": "ScoreIntent", "slots": [{"name": "n", "type": NUMBER_TYPE}], "samples": ["{n}"]}]
    )
    assert resolver.resolve(said).intent == FALLBACK_INTENT


def test_banana_as_a_pain_score_falls_back_as_on_a_device(resolver: Resolver) -> None:
    resolution = resolver.resolve("banana")
    assert (resolution.intent, resolution.slots) == (FALLBACK_INTENT, ())


def test_an_exact_sample_wins_over_a_slot_only_sample_that_also_matches() -> None:
    resolver = tiny_model(
        [
            {
                "name": "PickIntent",
                "slots": [{"name": "thing", "type": "THING"}],
                "samples": ["{thing}"],
            },
            {"name": "StretchIntent", "samples": ["stretch"]},
        ],
        [{"name": "THING", "values": [{"id": "s", "name": {"value": "stretch"}}]}],
    )
    assert resolver.resolve("stretch").intent == "StretchIntent"
    assert resolver.resolve("Stretch!").intent == "StretchIntent"


def test_a_resolved_value_wins_over_an_unresolved_one_in_another_intent(resolver: Resolver) -> None:
    resolution = resolver.resolve("it's worse")
    trend = resolution.slot("trend")
    assert resolution.intent == "LegTrendIntent"
    assert trend is not None and trend.resolved_id == "further"


def test_a_slot_only_sample_never_takes_a_value_it_cannot_resolve() -> None:
    resolver = tiny_model(
        [
            {
                "name": "PickIntent",
                "slots": [{"name": "thing", "type": "THING"}],
                "samples": ["{thing}"],
            }
        ],
        [{"name": "THING", "values": [{"id": "s", "name": {"value": "stretch"}}]}],
    )
    assert resolver.resolve("walk").intent == FALLBACK_INTENT


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("yes", "AMAZON.YesIntent"),
        ("That's right.", "AMAZON.YesIntent"),
        ("thats right", "AMAZON.YesIntent"),
        ("nope", "AMAZON.NoIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("STOP", "AMAZON.StopIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("what can I say?", "AMAZON.HelpIntent"),
        ("next", "AMAZON.NextIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("hold on", "AMAZON.PauseIntent"),
        ("carry on", "AMAZON.ResumeIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("go home", "AMAZON.NavigateHomeIntent"),
        ("skip", "SkipPoseIntent"),
        ("continue", "ContinueIntent"),
    ],
)
def test_everyday_phrases_reach_the_built_in_intents_unless_the_skill_owns_them(
    resolver: Resolver, said: str, intent: str
) -> None:
    assert resolver.resolve(said).intent == intent


def test_built_in_intents_missing_from_the_model_are_not_offered() -> None:
    resolver = tiny_model([{"name": "AMAZON.StopIntent", "samples": []}])
    assert resolver.resolve("stop").intent == "AMAZON.StopIntent"
    assert resolver.resolve("pause").intent == FALLBACK_INTENT


def test_built_in_phrases_do_not_collide_with_each_other() -> None:
    phrases = [phrase for group in BUILTIN_PHRASES.values() for phrase in group]
    assert len(phrases) == len(set(phrases))


@pytest.mark.parametrize(
    "said",
    ["open gentle back", "Alexa, open Gentle Back!", "launch gentle back", "start gentle back"],
)
def test_naming_the_skill_alone_launches_it_in_a_new_session(resolver: Resolver, said: str) -> None:
    assert resolver.resolve(said) == Resolution("LaunchRequest", invoked=True)


@pytest.mark.parametrize(
    "said",
    [
        "ask gentle back to start legs up the wall",
        "tell gentle back to start legs up the wall",
        "alexa ask gentle back start legs up the wall",
        "start legs up the wall using gentle back",
    ],
)
def test_a_one_shot_invocation_opens_a_new_session_with_the_intent(
    resolver: Resolver, said: str
) -> None:
    resolution = resolver.resolve(said)
    assert (resolution.invoked, resolution.intent) == (True, "StartRoutineIntent")
    assert slot_values(resolution) == {"routine": "legs up the wall"}


def test_a_one_shot_invocation_nobody_understands_falls_back_in_a_new_session(
    resolver: Resolver,
) -> None:
    resolution = resolver.resolve("ask gentle back to sing a song")
    assert (resolution.invoked, resolution.intent) == (True, FALLBACK_INTENT)


def test_an_intent_request_carries_every_slot_of_the_intent_even_when_unfilled() -> None:
    resolver = tiny_model(
        [
            {
                "name": "RateIntent",
                "slots": [
                    {"name": "back", "type": NUMBER_TYPE},
                    {"name": "leg", "type": NUMBER_TYPE},
                ],
                "samples": ["my back is {back}"],
            }
        ]
    )
    assert slot_values(resolver.resolve("my back is four")) == {"back": "4", "leg": None}


def misrouted_samples(resolver: Resolver) -> list[str]:
    """Every sample, slots filled with a known value, that resolves to another intent."""
    model = resolver.model
    wrong = []
    for intent in model.intents:
        for sample in intent.samples:
            said = sample
            for slot, kind in intent.slots.items():
                value = "5" if kind == NUMBER_TYPE else model.types[kind][0].name
                said = said.replace(f"{{{slot}}}", value)
            got = resolver.resolve(said).intent
            if got != intent.name:
                wrong.append(f"{said!r} -> {got}, not {intent.name}")
    return wrong


def test_every_sample_of_the_fixture_model_reaches_its_own_intent(resolver: Resolver) -> None:
    assert misrouted_samples(resolver) == []


@pytest.fixture(scope="module")
def generated(catalogue: Catalogue) -> Resolver:
    """A resolver over the model `gentle-back build-model` generates from today's sources."""
    model_json = interaction_model(load_voice_interface(), catalogue)
    return Resolver(InteractionModel.from_json(model_json))


def test_every_sample_of_the_generated_model_reaches_its_own_intent(generated: Resolver) -> None:
    assert misrouted_samples(generated) == []


def test_every_routine_name_and_synonym_starts_that_routine(generated: Resolver) -> None:
    wrong = []
    for value in generated.model.types["ROUTINE_NAME"]:
        for spoken in (value.name, *value.synonyms):
            routine = generated.resolve(f"start {spoken}").slot("routine")
            if routine is None or routine.resolved_id != value.id:
                wrong.append(spoken)
    assert wrong == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [("minus three", "-3"), ("one hundred twenty three", "123"), ("two thousand", "2000")],
)
def test_number_words_add_up_like_spoken_english(said: str, expected: str) -> None:
    assert parse_number(said) == expected


@pytest.mark.parametrize("said", ["", "and", "hundred", "five and", "one two"])
def test_fragments_of_numbers_are_not_numbers(said: str) -> None:
    assert parse_number(said) is None


def test_every_example_phrase_of_the_skill_reaches_the_skill(
    generated: Resolver, catalogue: Catalogue
) -> None:
    phrases = example_phrases(load_voice_interface(), catalogue)
    understood = {phrase: generated.resolve(phrase) for phrase in phrases}
    assert phrases
    assert {p: r.invoked and r.intent != FALLBACK_INTENT for p, r in understood.items()} == {
        p: True for p in phrases
    }
