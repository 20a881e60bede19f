"""Which routine the skill offers: gentler after a worse session, a step up after good ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.catalogue import Catalogue
from skill.config import Settings
from skill.flow.core import Ctx
from skill.flow.starting import SUGGESTION_ORDER, offer_suggestion, suggest_routine
from skill.ssml import plain, speak
from skill.state import SessionState, UserState


def context(catalogue: Catalogue, **user: object) -> Ctx:
    state = UserState(profile="disc", consent=True)
    for name, value in user.items():
        setattr(state, name, value)
    return Ctx(
        settings=Settings(),
        catalogue=catalogue,
        store=None,
        user_id="amzn1.ask.account.SUGGEST",
        user=state,
        sess=SessionState(),
        now=datetime(2026, 11, 21, tzinfo=UTC),
    )


def test_a_new_user_is_offered_the_profiles_first_choice(catalogue: Catalogue) -> None:
    assert suggest_routine(context(catalogue)) == (SUGGESTION_ORDER["disc"][0], False)


def test_the_routine_done_last_time_is_offered_again_until_two_sessions_go_well(
    catalogue: Catalogue,
) -> None:
    ctx = context(catalogue, last_routine="disc-extension", favourable_streak=1)
    assert suggest_routine(ctx) == ("disc-extension", False)


def test_two_good_sessions_in_a_row_step_up_along_the_profiles_progression(
    catalogue: Catalogue,
) -> None:
    order = SUGGESTION_ORDER["disc"]
    ctx = context(catalogue, last_routine=order[0], favourable_streak=2)
    assert suggest_routine(ctx) == (order[1], True)
    spoken = plain(speak(offer_suggestion(ctx).speech))
    assert "good next step" in spoken


def test_without_consent_there_is_no_step_up_because_nothing_was_remembered(
    catalogue: Catalogue,
) -> None:
    order = SUGGESTION_ORDER["disc"]
    ctx = context(catalogue, consent=False, last_routine=order[0], favourable_streak=2)
    assert suggest_routine(ctx) == (order[0], False)


def test_after_a_worse_session_the_gentlest_routine_is_offered_and_said_to_be_gentler(
    catalogue: Catalogue,
) -> None:
    ctx = context(catalogue, gentler_next=True, last_routine="disc-extension")
    routine_id, step_up = suggest_routine(ctx)
    assert routine_id == "gentle-lower-back" and not step_up
    assert "gentler" in plain(speak(offer_suggestion(ctx).speech))


@pytest.mark.parametrize("direction", ["extension", "flexion"])
def test_a_routine_leaning_on_a_dropped_direction_is_not_offered(
    catalogue: Catalogue, direction: str
) -> None:
    ctx = context(catalogue, avoid_directions=[direction], last_routine="disc-extension")
    routine_id, _ = suggest_routine(ctx)
    assert routine_id is not None
    leaning = {
        "extension": "disc-extension",
        "flexion": "stenosis-flexion",
    }[direction]
    assert routine_id != leaning
