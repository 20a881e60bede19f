"""The named choices users and authors pick from. Light on purpose: the CLI reads it at start-up."""

from typing import Final

#: What a clinician has told the user (clinical-safety doc, section 1).
PROFILES: Final[tuple[str, ...]] = ("disc", "stenosis", "unsure")
#: How fast a session moves; `skill.timing` holds what each pace means.
PACES: Final[tuple[str, ...]] = ("slow", "normal", "brisk")
#: How much is said during a hold.
VERBOSITIES: Final[tuple[str, ...]] = ("full", "brief")
