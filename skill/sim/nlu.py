"""Offline utterance resolution: typed words -> the request Alexa would send, from the model JSON.

The interaction model (`skill-package/interactionModels/custom/<locale>.json`) is the only source:
each sample utterance compiles to a regex with one group per slot; custom slot values resolve
against the type's values and synonyms (entity resolution), `AMAZON.NUMBER` against digits and
number words. Built-in intents the model lists get their usual phrases. The invocation forms
("open gentle back", "ask gentle back to ...") start a new session. Matching ignores case and
punctuation. When several samples match, a sample without slots beats one with slots, resolved
slot values beat unresolved ones, and more literal words beat fewer; a slot-only sample ("{score}")
never matches a value it cannot resolve, so "banana" falls through to `AMAZON.FallbackIntent`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FALLBACK_INTENT = "AMAZON.FallbackIntent"
NUMBER_TYPE = "AMAZON.NUMBER"

#: What people say for each built-in intent; custom samples win on an exact tie ("skip" is
#: SkipPoseIntent's, "continue" ContinueIntent's), so these avoid the skill's own phrases.
BUILTIN_PHRASES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "sure", "okay", "ok", "i do", "that's right"),
    "AMAZON.NoIntent": ("no", "nope", "not really", "no thanks", "no thank you", "i don't"),
    "AMAZON.StopIntent": ("stop", "shut up", "off", "be quiet"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "what can i say", "help me"),
    "AMAZON.NextIntent": ("next", "next one", "skip ahead"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "again", "repeat that"),
    "AMAZON.StartOverIntent": ("start over", "restart"),
    "AMAZON.PauseIntent": ("pause", "hold on", "wait"),
    "AMAZON.ResumeIntent": ("resume", "carry on", "unpause"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back"),
    "AMAZON.NavigateHomeIntent": ("go home",),
}

_LAUNCH_VERBS = "open|launch|start|begin|load|run|use|play"
_ONE_SHOT_VERBS = "ask|tell|open|launch|start|use"
_ONE_SHOT_JOINERS = "to|for|about|that|if|whether|and"
_ARTICLES = ("the ", "a ", "an ", "my ")

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS = {word: n for n, word in enumerate(_UNITS)} | {
    word: 20 + 10 * n for n, word in enumerate(_TENS)
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

Status = Literal["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH"]


def normalise(text: str) -> str:
    """Lower-case `text`; keep letters, digits and in-word apostrophes; the rest becomes spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^a-z0-9']+", " ", text)
    words = (word.strip("'") for word in text.split())
    return " ".join(word for word in words if word)


def _key(text: str) -> str:
    return normalise(text).replace("'", "")


def parse_number(text: str) -> str | None:
    """Return `text` as Alexa's AMAZON.NUMBER gives it (digits in a string), or None.

    Accepts digits ("5") and English number words ("five", "twenty one", "a hundred and two",
    "minus three"); anything else ("banana", "five apples") is not a number.
    """
    words = normalise(text).split()
    sign = ""
    if words[:1] in (["minus"], ["negative"]):
        sign, words = "-", words[1:]
    if len(words) == 1 and words[0].isdigit():
        return sign + str(int(words[0]))
    if words[:1] == ["a"] and words[1:2] and words[1] in _SCALES:
        words[0] = "one"
    total = current = 0
    last = ""  # what the previous word was: "", "unit", "tens", "scale" or "and"
    for word in words:
        if word in _NUMBER_WORDS:
            n = _NUMBER_WORDS[word]
            if last == "unit" or (last == "tens" and not 1 <= n <= 9):
                return None
            current += n
            last = "tens" if n >= 20 else "unit"
        elif word in _SCALES and last in ("unit", "tens"):
            if _SCALES[word] == 100:
                current *= 100
            else:
                total, current = total + current * _SCALES[word], 0
            last = "scale"
        elif word == "and" and last == "scale":
            last = "and"
        else:
            return None
    return sign + str(total + current) if last in ("unit", "tens", "scale") else None


@dataclass(frozen=True)
class TypeValue:
    """One value of a custom slot type: its id, its name and the synonyms that resolve to it."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentDef:
    """One intent of the model: its slots (name -> type) and its sample utterances."""

    name: str
    slots: Mapping[str, str]
    samples: tuple[str, ...]


@dataclass(frozen=True)
class InteractionModel:
    """The parts of an interaction model JSON the simulator needs."""

    invocation_name: str
    intents: tuple[IntentDef, ...]
    types: Mapping[str, tuple[TypeValue, ...]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InteractionModel:
        """Read `{"interactionModel": {"languageModel": {...}}}` as Alexa's console exports it."""
        language = data["interactionModel"]["languageModel"]
        intents = tuple(
            IntentDef(
                name=intent["name"],
                slots={slot["name"]: slot["type"] for slot in intent.get("slots", [])},
                samples=tuple(intent.get("samples", [])),
            )
            for intent in language["intents"]
        )
        types = {
            kind["name"]: tuple(
                TypeValue(
                    id=value.get("id") or value["name"]["value"],
                    name=value["name"]["value"],
                    synonyms=tuple(value["name"].get("synonyms", [])),
                )
                for value in kind.get("values", [])
            )
            for kind in language.get("types", [])
        }
        return cls(language["invocationName"], intents, types)

    @classmethod
    def load(cls, path: Path) -> InteractionModel:
        """Load the model JSON at `path`."""
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def intent(self, name: str) -> IntentDef | None:
        """Return the intent called `name`, or None when the model has no such intent."""
        return next((intent for intent in self.intents if intent.name == name), None)


@dataclass(frozen=True)
class SlotFill:
    """One slot of a resolved intent. `value` is None for a slot the utterance did not fill.

    `status` is the entity-resolution status for custom types (None for built-in types and
    empty slots); `resolved_id` and `resolved_name` are the matched value's id and name.
    """

    name: str
    type: str
    value: str | None = None
    status: Status | None = None
    resolved_id: str | None = None
    resolved_name: str | None = None


@dataclass(frozen=True)
class Resolution:
    """What an utterance means: a launch, or an intent with every one of its slots.

    `invoked` is True when the utterance named the skill, which opens a new session.
    """

    request_type: Literal["LaunchRequest", "IntentRequest"]
    intent: str | None = None
    slots: tuple[SlotFill, ...] = ()
    invoked: bool = False

    def slot(self, name: str) -> SlotFill | None:
        """Return the slot called `name`, or None."""
        return next((slot for slot in self.slots if slot.name == name), None)


@dataclass(frozen=True)
class _Sample:
    intent: IntentDef
    pattern: re.Pattern[str]
    literal_words: int
    order: int


def _compile(sample: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    literal_words = 0
    for token in re.split(r"(\{\w+\})", sample):
        if token.startswith("{") and token.endswith("}"):
            parts.append(f"(?P<{token[1:-1]}>.+?)")
            continue
        for word in normalise(token).split():
            parts.append(re.escape(word).replace("'", "'?"))
            literal_words += 1
    return re.compile(" ".join(parts)), literal_words


class Resolver:
    """Resolve typed utterances against one interaction model, as Alexa's NLU would (roughly)."""

    def __init__(self, model: InteractionModel) -> None:
        """Compile every sample of `model` and the built-in phrases of the intents it lists."""
        self.model = model
        self._samples: list[_Sample] = []
        for intent in model.intents:
            for sample in intent.samples:
                pattern, literal_words = _compile(sample)
                self._samples.append(_Sample(intent, pattern, literal_words, len(self._samples)))
        for intent in model.intents:
            for phrase in BUILTIN_PHRASES.get(intent.name, ()):
                pattern, literal_words = _compile(phrase)
                self._samples.append(_Sample(intent, pattern, literal_words, len(self._samples)))
        self._values = {
            type_name: {
                _key(spoken): value for value in values for spoken in (value.name, *value.synonyms)
            }
            for type_name, values in model.types.items()
        }
        name = re.escape(normalise(model.invocation_name)).replace("'", "'?")
        self._launch = re.compile(rf"(?:{_LAUNCH_VERBS}) (?:the )?{name}(?: skill)?")
        self._one_shot = re.compile(
            rf"(?:{_ONE_SHOT_VERBS}) {name}(?: (?:{_ONE_SHOT_JOINERS}))? (?P<rest>.+)"
            rf"|(?P<rest_first>.+) (?:using|with|from) {name}"
        )

    def resolve(self, utterance: str) -> Resolution:
        """Return what `utterance` means: a launch, an intent with its slots, or the fallback."""
        text = normalise(utterance)
        text = text.removeprefix("alexa ") if text != "alexa" else text
        if self._launch.fullmatch(text):
            return Resolution("LaunchRequest", invoked=True)
        one_shot = self._one_shot.fullmatch(text)
        if one_shot:
            rest = one_shot.group("rest") or one_shot.group("rest_first")
            resolution = self._match(rest)
            return Resolution("IntentRequest", resolution.intent, resolution.slots, invoked=True)
        return self._match(text)

    def _match(self, text: str) -> Resolution:
        best: tuple[tuple[int, int, int], Resolution] | None = None
        for sample in self._samples:
            found = sample.pattern.fullmatch(text)
            if found is None:
                continue
            fills = self._fill(sample.intent, found.groupdict())
            if fills is None:
                continue
            filled = [fill for fill in fills if fill.value is not None]
            if any(fill.status == "ER_SUCCESS_NO_MATCH" for fill in filled):
                if sample.literal_words == 0:
                    continue  # a bare "{slot}" sample only takes values it knows
                tier = 1
            else:
                tier = 2 if filled else 3
            rank = (tier, sample.literal_words, -sample.order)
            if best is None or rank > best[0]:
                best = (rank, Resolution("IntentRequest", sample.intent.name, fills))
        if best is None:
            return Resolution("IntentRequest", FALLBACK_INTENT, self._empty(FALLBACK_INTENT))
        return best[1]

    def _empty(self, intent_name: str) -> tuple[SlotFill, ...]:
        intent = self.model.intent(intent_name)
        slots = intent.slots if intent is not None else {}
        return tuple(SlotFill(name, kind) for name, kind in slots.items())

    def _fill(self, intent: IntentDef, spoken: Mapping[str, str]) -> tuple[SlotFill, ...] | None:
        fills: list[SlotFill] = []
        for name, kind in intent.slots.items():
            value = spoken.get(name)
            if value is None:
                fills.append(SlotFill(name, kind))
            elif kind == NUMBER_TYPE:
                number = parse_number(value)
                if number is None:
                    return None
                fills.append(SlotFill(name, kind, number))
            elif kind in self._values:
                fills.append(self._resolve_custom(name, kind, value))
            else:
                fills.append(SlotFill(name, kind, value))
        return tuple(fills)

    def _resolve_custom(self, name: str, kind: str, value: str) -> SlotFill:
        values = self._values[kind]
        key = _key(value)
        candidates = [key] + [key.removeprefix(a) for a in _ARTICLES if key.startswith(a)]
        for candidate in candidates:
            match = values.get(candidate)
            if match is not None:
                return SlotFill(name, kind, value, "ER_SUCCESS_MATCH", match.id, match.name)
        return SlotFill(name, kind, value, "ER_SUCCESS_NO_MATCH")
