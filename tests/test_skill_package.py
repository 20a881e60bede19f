"""What Amazon sees: skill-package/ is well formed, complete, honest and in step with the content.

Amazon's own typed models (ask-smapi-model) read every file back without loss; every example
phrase is something the model understands; every intent in the model has a handler and every
handled intent is in the model; and the checked-in files are exactly what `build-model` makes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_model_runtime.serializer import DefaultSerializer
from ask_smapi_model.v1.skill.interaction_model.interaction_model_data import (
    InteractionModelData,
)
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope

from skill.catalogue import normalise_phrase
from skill.cli import build_model
from skill.config import PROJECT_ROOT
from skill.model import LOCALES, ROUTINE_SLOT_TYPE, load_voice_interface

PACKAGE = PROJECT_ROOT / "skill-package"
SKILL_JSON = PACKAGE / "skill.json"
MODEL_FILES = {
    locale: PACKAGE / "interactionModels" / "custom" / f"{locale}.json" for locale in LOCALES
}
REQUIRED_BUILTINS = {
    "AMAZON.CancelIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
}
#: Words that would make Alexa hear a launch or a wake word inside the invocation name.
FORBIDDEN_INVOCATION_WORDS = {
    "alexa", "amazon", "echo", "computer", "skill", "app", "ask", "open", "launch", "start",
    "begin", "tell", "load", "play", "resume", "run", "use", "enable", "talk", "with", "by",
    "from", "in", "using", "to", "about", "for", "if", "whether", "and", "the",
}  # fmt: skip
LAUNCH = re.compile(
    r"^alexa,? (?:open|ask|tell|launch|start|begin) (?P<name>[a-z ]+?)"
    r"(?: (?:to|for|about|if|whether|that) (?P<rest>.+))?$"
)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def language_model() -> dict[str, Any]:
    model: dict[str, Any] = load(MODEL_FILES["en-US"])["interactionModel"]["languageModel"]
    return model


def round_trip(data: dict[str, Any], model_type: type[Any]) -> Any:
    serializer = DefaultSerializer()  # the one SMAPI's own client uses
    typed = serializer.deserialize(json.dumps(data), model_type)
    assert isinstance(typed, model_type)
    return serializer.serialize(typed)


# --- structure ----------------------------------------------------------------------------------


def test_skill_json_round_trips_through_amazons_manifest_model() -> None:
    manifest = load(SKILL_JSON)
    assert round_trip(manifest, SkillManifestEnvelope) == manifest


@pytest.mark.parametrize("locale", LOCALES)
def test_each_interaction_model_round_trips_through_amazons_model(locale: str) -> None:
    model = load(MODEL_FILES[locale])
    assert round_trip(model, InteractionModelData) == model


def test_every_english_locale_has_the_same_model_and_a_store_listing() -> None:
    manifest = load(SKILL_JSON)["manifest"]
    assert set(manifest["publishingInformation"]["locales"]) == set(LOCALES)
    assert set(manifest["privacyAndCompliance"]["locales"]) == set(LOCALES)
    models = {locale: load(path) for locale, path in MODEL_FILES.items()}
    assert all(model == models["en-US"] for model in models.values())


def test_the_checked_in_package_is_what_build_model_generates() -> None:
    generated = build_model.generated_files(PACKAGE)
    on_disk = {path: path.read_text(encoding="utf-8") for path in generated if path.exists()}
    stale = sorted(
        str(p.relative_to(PROJECT_ROOT)) for p in generated if on_disk.get(p) != generated[p]
    )
    assert not stale, f"run `gentle-back build-model`; out of date: {stale}"


def test_build_model_check_names_the_files_that_differ_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(check: bool) -> int:
        args = argparse.Namespace(
            check=check, package_dir=tmp_path, endpoint=None, certificate="Trusted"
        )
        return build_model.run(args)

    assert run(check=True) == 1
    assert run(check=False) == 0
    assert run(check=True) == 0
    (tmp_path / "interactionModels" / "custom" / "en-GB.json").write_text("{}\n")
    capsys.readouterr()
    assert run(check=True) == 1
    assert capsys.readouterr().err.splitlines()[0].endswith("en-GB.json")


def test_a_deploy_endpoint_replaces_the_placeholder_only_when_asked(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:gentle-back"
    generated = build_model.generated_files(tmp_path, arn)[tmp_path / "skill.json"]
    assert json.loads(generated)["manifest"]["apis"]["custom"]["endpoint"] == {"uri": arn}
    url = "https://skill.example.org/alexa"
    generated = build_model.generated_files(tmp_path, url)[tmp_path / "skill.json"]
    endpoint = json.loads(generated)["manifest"]["apis"]["custom"]["endpoint"]
    assert endpoint == {"uri": url, "sslCertificateType": "Trusted"}
    checked_in = load(SKILL_JSON)["manifest"]["apis"]["custom"]["endpoint"]
    assert checked_in == {"uri": "https://example.invalid/alexa", "sslCertificateType": "Wildcard"}
    with pytest.raises(ValueError, match="Lambda ARN or an https"):
        build_model.generated_files(tmp_path, "http://insecure.example.org/alexa")


def test_generated_json_uses_two_space_indents_and_ends_with_a_newline() -> None:
    text = SKILL_JSON.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text.startswith('{\n  "manifest": {\n    "')


# --- the voice interface ------------------------------------------------------------------------


def test_the_invocation_name_is_two_or_more_lowercase_words_without_launch_words() -> None:
    name = language_model()["invocationName"]
    words = name.split(" ")
    assert len(words) >= 2
    assert all(re.fullmatch(r"[a-z]+", word) for word in words)
    assert not set(words) & FORBIDDEN_INVOCATION_WORDS
    assert name == load_voice_interface().invocation_name == "gentle back"


def test_the_required_built_in_intents_are_present() -> None:
    names = {intent["name"] for intent in language_model()["intents"]}
    assert names >= REQUIRED_BUILTINS


def test_every_intent_in_the_model_has_a_handler_and_every_handled_intent_is_in_the_model() -> None:
    from skill.builder import HANDLED_INTENTS

    in_model = {intent["name"] for intent in language_model()["intents"]}
    assert sorted(in_model - HANDLED_INTENTS) == [], "intents nobody answers"
    assert sorted(HANDLED_INTENTS - in_model) == [], "handled intents Alexa can never send"


def test_every_routine_is_a_routine_slot_value_under_its_id() -> None:
    from skill.catalogue import load_catalogue
    from skill.config import DEFAULT_SESSIONS_DIR

    catalogue = load_catalogue(DEFAULT_SESSIONS_DIR)
    (routine_type,) = [t for t in language_model()["types"] if t["name"] == ROUTINE_SLOT_TYPE]
    values = {value["id"]: value["name"] for value in routine_type["values"]}
    assert set(values) == set(catalogue.routines)
    for routine_id, routine in catalogue.routines.items():
        spoken = {normalise_phrase(values[routine_id]["value"])}
        spoken |= {normalise_phrase(s) for s in values[routine_id].get("synonyms", [])}
        assert {normalise_phrase(p) for p in [routine.title, *routine.aliases]} <= spoken


def test_sample_utterances_use_only_letters_apostrophes_spaces_and_slots() -> None:
    for intent in language_model()["intents"]:
        for sample in intent["samples"]:
            words = re.sub(r"\{[A-Za-z]+\}", "", sample)
            assert re.fullmatch(r"[A-Za-z' .]*", words), f"{intent['name']}: {sample!r}"
            assert sample == sample.strip() and "  " not in sample


def test_no_sample_utterance_appears_twice() -> None:
    seen: dict[str, str] = {}
    for intent in language_model()["intents"]:
        for sample in intent["samples"]:
            key = sample.lower()
            assert key not in seen, f"{sample!r} in {intent['name']} and {seen[key]}"
            seen[key] = intent["name"]


def slot_phrases() -> dict[str, set[str]]:
    """Custom slot type -> every phrase (value or synonym) it accepts, normalised."""
    phrases: dict[str, set[str]] = {}
    for slot_type in language_model()["types"]:
        spoken = phrases.setdefault(slot_type["name"], set())
        for value in slot_type["values"]:
            spoken.add(normalise_phrase(value["name"]["value"]))
            spoken |= {normalise_phrase(s) for s in value["name"].get("synonyms", [])}
    return phrases


def understands(text: str) -> list[str]:
    """The intents whose samples, with slot values from the model, match `text` exactly."""
    types = slot_phrases()
    wanted = normalise_phrase(text)
    matched = []
    for intent in language_model()["intents"]:
        slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", re.escape(normalise_sample(sample)))
            match = re.fullmatch(pattern, wanted)
            if match and all(
                slot_accepts(types, slots[name], value) for name, value in match.groupdict().items()
            ):
                matched.append(intent["name"])
                break
    return matched


def normalise_sample(sample: str) -> str:
    parts = re.split(r"(\{\w+\})", sample)
    return " ".join(p if p.startswith("{") else normalise_phrase(p) for p in parts if p.strip())


def slot_accepts(types: dict[str, set[str]], slot_type: str, value: str) -> bool:
    if slot_type == "AMAZON.NUMBER":
        return value.isdigit()
    if slot_type.startswith("AMAZON."):
        return True
    return value in types[slot_type]


def test_every_example_phrase_is_understood_as_written() -> None:
    manifest = load(SKILL_JSON)["manifest"]
    for locale, info in manifest["publishingInformation"]["locales"].items():
        phrases = info["examplePhrases"]
        assert len(phrases) == 3, locale
        assert phrases[0].startswith("Alexa, ") and "gentle back" in phrases[0]
        for phrase in phrases:
            launch = LAUNCH.fullmatch(phrase.lower())
            assert launch and launch["name"] == "gentle back", phrase
            rest = launch["rest"]
            assert rest is None or understands(rest), f"{locale}: nothing understands {phrase!r}"


def test_the_phrase_matcher_rejects_what_the_model_does_not_say() -> None:
    assert understands("start legs up the wall") == ["StartRoutineIntent"]
    assert understands("start juggling chainsaws") == []
    assert understands("my pain is 4") == ["PainScoreIntent"]


def expansions(sample: str, slots: dict[str, str], types: dict[str, set[str]]) -> set[str]:
    names = re.findall(r"\{(\w+)\}", sample)
    if any(slots[name] not in types for name in names):
        return set()  # built-in slot types cannot be listed
    parts = re.split(r"\{\w+\}", sample)
    out = set()
    for values in itertools.product(*(sorted(types[slots[name]]) for name in names)):
        text = parts[0] + "".join(
            value + part for value, part in zip(values, parts[1:], strict=True)
        )
        out.add(normalise_phrase(text))
    return out


def test_no_utterance_could_belong_to_two_intents() -> None:
    types = slot_phrases()
    owner: dict[str, str] = {}
    conflicts = []
    for intent in language_model()["intents"]:
        slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            for text in expansions(sample, slots, types):
                other = owner.setdefault(text, intent["name"])
                if other != intent["name"]:
                    conflicts.append(f"{text!r}: {other} and {intent['name']}")
    assert not conflicts, "utterances Alexa must guess between:\n" + "\n".join(conflicts)


# --- the store listing and privacy answers ------------------------------------------------------


def test_the_description_carries_the_health_disclaimer() -> None:
    for info in load(SKILL_JSON)["manifest"]["publishingInformation"]["locales"].values():
        text = " ".join(info["description"].split()).lower()
        assert "does not provide medical advice" in text
        assert "not a substitute for professional medical advice, diagnosis or treatment" in text
        assert "in an emergency" in text
        assert "call your local emergency number" in text


def test_the_manifest_declares_a_speech_only_health_skill_that_stores_personal_data() -> None:
    manifest = load(SKILL_JSON)["manifest"]
    assert manifest["publishingInformation"]["category"] == "HEALTH_AND_FITNESS"
    assert manifest["apis"]["custom"]["interfaces"] == []
    assert manifest["permissions"] == []
    privacy = manifest["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is True
    assert privacy["isChildDirected"] is False
    assert privacy["containsAds"] is False
    assert privacy["allowsPurchases"] is False
    for urls in privacy["locales"].values():
        assert urls["privacyPolicyUrl"].startswith("https://")
