"""Spoken copy lives in YAML under `skill/copy/`; code picks, data speaks.

Each file maps a key to a sentence, or to a list of alternative phrasings. Placeholders use
`str.format` names: `{pose}`, `{seconds}`. Formatting of numbers and durations is code's job.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import yaml

COPY_DIR = Path(__file__).resolve().parent / "copy"


class PhraseBook:
    """The phrases of one copy file, with deterministic or seeded choice among alternatives."""

    def __init__(self, name: str, entries: dict[str, list[str]]) -> None:
        self.name = name
        self._entries = entries

    def keys(self) -> set[str]:
        return set(self._entries)

    def alternatives(self, key: str) -> list[str]:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"{self.name}.yaml has no phrase {key!r}") from None

    def say(self, key: str, rng: random.Random | None = None, /, **values: object) -> str:
        """The phrase for `key` with placeholders filled; the first alternative unless `rng`."""
        options = self.alternatives(key)
        text = rng.choice(options) if rng is not None and len(options) > 1 else options[0]
        return text.format(**values)


@cache
def phrases(name: str) -> PhraseBook:
    """Load `skill/copy/<name>.yaml` once."""
    raw = yaml.safe_load((COPY_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    entries: dict[str, list[str]] = {}
    _flatten(name, "", raw, entries)
    return PhraseBook(name, entries)


def _flatten(name: str, prefix: str, raw: dict[str, object], out: dict[str, list[str]]) -> None:
    """Nested mappings become dotted keys: `feedback: {worse: ...}` -> `feedback.worse`."""
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(name, f"{full}.", value, out)
            continue
        options = value if isinstance(value, list) else [value]
        if not options or not all(isinstance(o, str) and o.strip() for o in options):
            raise ValueError(f"{name}.yaml: {full}: must be a sentence or a list of sentences")
        out[full] = [str(o).strip() for o in options]
