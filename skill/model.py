"""What Amazon sees: the interaction model and the skill manifest, built from content.

The voice interface lives in `skill/copy/intents.yaml` (invocation name, built-in and custom
intents, samples, slot types); the routine slot's values come from the catalogue, so a new routine
is speakable as soon as `gentle-back build-model` runs. Everything here is pure: load the voice
interface and catalogue, then `interaction_model` and `skill_manifest` return plain dicts, built in
a fixed order so the generated JSON is stable. Every English locale gets the same model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skill.catalogue import Catalogue, normalise_phrase

VOICE_INTERFACE_FILE: Final = Path(__file__).resolve().parent / "copy" / "intents.yaml"
LOCALES: Final = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
DISTRIBUTION_COUNTRIES: Final = ("US", "GB", "CA", "AU", "IN")
ROUTINE_SLOT_TYPE: Final = "ROUTINE_NAME"
#: The routine the example phrases name, when the catalogue has it.
EXAMPLE_ROUTINE: Final = "legs-up-the-wall"
#: `ask deploy` with the lambda deployer, or `sam deploy`, replaces this with the real endpoint.
PLACEHOLDER_ENDPOINT: Final = "https://example.invalid/alexa"
PRIVACY_POLICY_URL: Final = "https://example.invalid/gentle-back/privacy"
TERMS_OF_USE_URL: Final = "https://example.invalid/gentle-back/terms"

_SLOT_REFERENCE: Final = re.compile(r"\{([^{}]*)\}")

# --- publishing copy (shown in the Alexa app, never spoken) -------------------------------------

SKILL_NAME: Final = "Gentle Back"
SUMMARY: Final = "Calm, timed stretch routines for back pain that runs down a leg."
DESCRIPTION: Final = (
    "Gentle Back talks you through short, slow stretch and rest routines for back pain that "
    "travels down a leg, such as sciatica from a disc problem or spinal stenosis. It times every "
    "hold for you, checks in on how your back and leg feel, and stops a pose if pain moves "
    "further down your leg. If you agree, it remembers your pain scores so it can tell you how "
    'you have been doing; say "forget my data" at any time to delete everything.\n\n'
    "Gentle Back does not provide medical advice. It is not a substitute for professional "
    "medical advice, diagnosis or treatment: talk to your doctor or physiotherapist before "
    "starting any exercise programme, and stop if anything feels wrong. In an emergency, or if "
    "you have new numbness, weakness, or trouble controlling your bladder or bowels, call your "
    "local emergency number."
)
KEYWORDS: Final = ("back pain", "sciatica", "stretching", "stretches", "stenosis", "relaxation")
TESTING_INSTRUCTIONS: Final = (
    'No account linking or device features are needed. Say "Alexa, open gentle back", accept '
    'the disclaimer, answer the consent and back-problem questions (say "not sure" if unsure), '
    'answer "no" to the safety questions, then say "start legs up the wall". Say "skip", '
    '"slower", "help", "stop" or "it hurts" during a pose. "Forget my data" deletes '
    "everything the skill stored."
)


class IntentSpec(BaseModel):
    """One custom intent: its slots (name -> slot type) and sample utterances."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slots: dict[str, str] = Field(default_factory=dict)
    samples: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _samples_use_declared_slots(self) -> IntentSpec:
        for sample in self.samples:
            for name in _SLOT_REFERENCE.findall(sample):
                if name not in self.slots:
                    raise ValueError(f"sample {sample!r} uses undeclared slot {name!r}")
        return self


class VoiceInterface(BaseModel):
    """The contents of intents.yaml: what a user can say to the skill."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    invocation_name: str
    builtin_intents: list[str]
    intents: dict[str, IntentSpec]
    #: Slot type -> value id -> phrases; the first phrase is the value, the rest synonyms.
    types: dict[str, dict[str, list[str]]]

    @model_validator(mode="after")
    def _slot_types_exist(self) -> VoiceInterface:
        known = {*self.types, ROUTINE_SLOT_TYPE}
        for intent, spec in self.intents.items():
            for slot, slot_type in spec.slots.items():
                if not slot_type.startswith("AMAZON.") and slot_type not in known:
                    raise ValueError(f"{intent}.{slot}: unknown slot type {slot_type!r}")
        return self


def load_voice_interface(path: Path = VOICE_INTERFACE_FILE) -> VoiceInterface:
    """Read and validate intents.yaml; pydantic's ValidationError names the bad field."""
    return VoiceInterface.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def interaction_model(voice: VoiceInterface, catalogue: Catalogue) -> dict[str, Any]:
    """The interaction model JSON for one locale (all English locales share it)."""
    intents: list[dict[str, Any]] = [
        {"name": name, "samples": []} for name in voice.builtin_intents
    ]
    for name, spec in voice.intents.items():
        intent: dict[str, Any] = {"name": name}
        if spec.slots:
            intent["slots"] = [{"name": s, "type": t} for s, t in spec.slots.items()]
        intent["samples"] = list(spec.samples)
        intents.append(intent)
    types = [_routine_type(catalogue)]
    types += [
        {"name": name, "values": [_value(vid, phrases) for vid, phrases in values.items()]}
        for name, values in voice.types.items()
    ]
    language_model = {"invocationName": voice.invocation_name, "intents": intents, "types": types}
    return {"interactionModel": {"languageModel": language_model}}


def example_phrases(voice: VoiceInterface, catalogue: Catalogue) -> list[str]:
    """Three phrases for the skill's store card; each one works as written (a test proves it)."""
    routine = catalogue.routines.get(EXAMPLE_ROUTINE) or catalogue.ordered()[0]
    name = voice.invocation_name
    return [
        f"Alexa, open {name}",
        f"Alexa, ask {name} to start {normalise_phrase(routine.title)}",
        f"Alexa, ask {name} to suggest a routine",
    ]


def endpoint(uri: str | None = None, certificate: str = "Trusted") -> dict[str, str]:
    """`apis.custom.endpoint`: a Lambda ARN as is, an HTTPS URL with its certificate type.

    With no `uri`, the checked-in placeholder, which `ask deploy` (lambda deployer) replaces with
    the function's ARN and which `build-model --endpoint` replaces for the other routes.
    """
    if uri is None:
        return {"uri": PLACEHOLDER_ENDPOINT, "sslCertificateType": "Wildcard"}
    if uri.startswith("arn:"):
        return {"uri": uri}
    if not uri.startswith("https://"):
        raise ValueError(f"endpoint must be a Lambda ARN or an https:// URL, got {uri!r}")
    return {"uri": uri, "sslCertificateType": certificate}


def skill_manifest(
    voice: VoiceInterface, catalogue: Catalogue, skill_endpoint: dict[str, str] | None = None
) -> dict[str, Any]:
    """skill.json: publishing information, privacy answers, and the custom API (speech only).

    `usesPersonalInfo` is true because the skill keeps the user's back-problem profile and
    screening answers between sessions and, with consent, their pain ratings; PUBLISHING.md
    explains what that means for certification.
    """
    phrases = example_phrases(voice, catalogue)
    locale_info = {
        "name": SKILL_NAME,
        "summary": SUMMARY,
        "description": DESCRIPTION,
        "examplePhrases": phrases,
        "keywords": list(KEYWORDS),
    }
    privacy_urls = {"privacyPolicyUrl": PRIVACY_POLICY_URL, "termsOfUseUrl": TERMS_OF_USE_URL}
    manifest = {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": {locale: dict(locale_info) for locale in LOCALES},
            "isAvailableWorldwide": False,
            "distributionCountries": list(DISTRIBUTION_COUNTRIES),
            "testingInstructions": TESTING_INSTRUCTIONS,
            "category": "HEALTH_AND_FITNESS",
        },
        "privacyAndCompliance": {
            "allowsPurchases": False,
            "usesPersonalInfo": True,
            "isChildDirected": False,
            "isExportCompliant": True,
            "containsAds": False,
            "locales": {locale: dict(privacy_urls) for locale in LOCALES},
        },
        "permissions": [],
        "apis": {
            "custom": {
                "endpoint": skill_endpoint or endpoint(),
                "interfaces": [],
            }
        },
    }
    return {"manifest": manifest}


def _routine_type(catalogue: Catalogue) -> dict[str, Any]:
    values = []
    for routine_id in sorted(catalogue.routines):
        routine = catalogue.routines[routine_id]
        spoken_id = routine_id.replace("-", " ")
        values.append(_value(routine_id, [routine.title, *routine.aliases, spoken_id]))
    return {"name": ROUTINE_SLOT_TYPE, "values": values}


def _value(value_id: str, phrases: list[str]) -> dict[str, Any]:
    """A slot value: the first phrase is its name, the others (minus repeats) its synonyms."""
    seen = {normalise_phrase(phrases[0])}
    synonyms = []
    for phrase in phrases[1:]:
        key = normalise_phrase(phrase)
        if key not in seen:
            seen.add(key)
            synonyms.append(phrase)
    name: dict[str, Any] = {"value": phrases[0]}
    if synonyms:
        name["synonyms"] = synonyms
    return {"id": value_id, "name": name}
