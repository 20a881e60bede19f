"""The context a conversation step works on, the reply it produces, and copy helpers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from skill.catalogue import Catalogue
from skill.config import Settings
from skill.phrases import PhraseBook, phrases
from skill.ssml import Ssml, join, text
from skill.state import SessionState, UserState

if TYPE_CHECKING:
    from skill.persistence import Store

log = logging.getLogger("gentle_back.conversation")


@dataclass
class Ctx:
    """One request's view of the world: settings, content, the user's state and the clock."""

    settings: Settings
    catalogue: Catalogue
    store: Store | None
    user_id: str
    user: UserState
    sess: SessionState
    now: datetime
    new_session: bool = False
    #: Set once the user's data is deleted, so nothing is written back this turn.
    deleted: bool = False

    @property
    def remembers_ratings(self) -> bool:
        """Ratings are stored only when the skill allows it and the user said yes."""
        return self.settings.store_ratings and self.user.consent is True


@dataclass
class Reply:
    """What to say, what to say if the user is silent, and whether the session ends."""

    parts: list[Ssml] = field(default_factory=list)
    reprompt: Ssml | None = None
    end: bool = False

    @property
    def speech(self) -> Ssml:
        return join(*self.parts)

    def then(self, other: Reply) -> Reply:
        """This reply's words followed by `other`, which decides the reprompt and the end."""
        return Reply([*self.parts, *other.parts], other.reprompt, other.end)


def copy() -> PhraseBook:
    return phrases("conversation")


def line(key: str, **values: object) -> Ssml:
    """One escaped sentence of conversation copy."""
    return text(copy().say(key, **values))


def lines(key: str) -> list[str]:
    """Every alternative under `key` (used for numbered question lists)."""
    return copy().alternatives(key)


def ask(*parts: Ssml, reprompt: Ssml) -> Reply:
    return Reply([p for p in parts if p], reprompt, end=False)


def tell(*parts: Ssml) -> Reply:
    return Reply([p for p in parts if p], None, end=True)


def minutes_phrase(seconds: float) -> str:
    """`about 12 minutes` style wording for a duration."""
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def spoken_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]
