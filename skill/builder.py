"""The one place the skill is assembled: handlers in order, interceptors, and the store.

The web app, the Lambda entry and the simulator all run the object `build_skill` returns.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.catalogue import Catalogue, load_catalogue
from skill.config import Settings
from skill.handlers import checkin, common, guiding, memory, onboarding, starting
from skill.handlers.edge import IntentHandler
from skill.handlers.interceptors import LoadState, SaveState
from skill.persistence import Store, build_store


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in dispatch order: the first whose `can_handle` is true wins.

    Order matters: launch and the new-session gate come first so that set-up and safety
    acknowledgements cannot be skipped; stop, help and data rights come before stage-specific
    handlers so they work at any moment; navigation in a routine comes before the generic
    "repeat the question"; the catch-alls (fallback, unexpected intent, session end) come last.
    """
    return [
        onboarding.LaunchHandler(),
        onboarding.NewSessionGateHandler(),
        common.StopHandler(),
        common.HelpHandler(),
        memory.ForgetDataHandler(),
        onboarding.YesHandler(),
        onboarding.NoHandler(),
        checkin.PainScoreHandler(),
        checkin.LegTrendHandler(),
        onboarding.ConditionHandler(),
        onboarding.ChangeConditionHandler(),
        guiding.SymptomHandler(),
        guiding.NavigationHandler(),
        guiding.RepeatQuestionHandler(),
        guiding.PauseHandler(),
        starting.ResumeHandler(),
        guiding.PaceHandler(),
        guiding.VerbosityHandler(),
        starting.StartRoutineHandler(),
        starting.SuggestRoutineHandler(),
        starting.ListRoutinesHandler(),
        memory.TrendHandler(),
        memory.StopRememberingHandler(),
        memory.RememberScoresHandler(),
        common.FallbackHandler(),
        common.UnexpectedIntentHandler(),
        common.SessionEndedHandler(),
    ]


#: Every intent some handler answers by name (the interaction model must contain exactly these).
HANDLED_INTENTS: frozenset[str] = frozenset(
    name
    for handler in request_handlers()
    if isinstance(handler, IntentHandler)
    for name in handler.intents
)


def build_skill(
    settings: Settings, *, catalogue: Catalogue | None = None, store: Store | None = None
) -> CustomSkill:
    """Assemble the skill on `settings`; the catalogue and store are loaded when not given."""
    catalogue = catalogue if catalogue is not None else load_catalogue(settings.sessions_dir)
    store = store if store is not None else build_store(settings)
    builder = CustomSkillBuilder(persistence_adapter=store)
    for handler in request_handlers():
        builder.add_request_handler(handler)
    builder.add_exception_handler(common.CatchAllExceptionHandler())
    builder.add_global_request_interceptor(LoadState(settings, catalogue, store))
    builder.add_global_response_interceptor(SaveState())
    builder.skill_id = settings.skill_id  # type: ignore[assignment]  # annotated as None
    skill: CustomSkill = builder.create()
    return skill
