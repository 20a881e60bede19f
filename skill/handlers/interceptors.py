"""Load the user's and the session's state once per request, and save it once per turn."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.dispatch_components.request_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.catalogue import Catalogue
from skill.config import Settings
from skill.flow.core import Ctx
from skill.handlers.edge import CTX_KEY
from skill.persistence import Store
from skill.state import SessionState, UserState

LOADED_KEY = "gentle_back_loaded_user"


def _request_time(handler_input: HandlerInput) -> datetime:
    stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _user_id(handler_input: HandlerInput) -> str:
    envelope = handler_input.request_envelope
    system = envelope.context.system if envelope.context else None
    user = system.user if system is not None else None
    if user is None and envelope.session is not None:
        user = envelope.session.user
    return str(user.user_id) if user is not None and user.user_id else ""


class LoadState(AbstractRequestInterceptor):
    """Builds the turn's `Ctx`: typed user state from the store, session state, the clock."""

    def __init__(self, settings: Settings, catalogue: Catalogue, store: Store) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.store = store

    def process(self, handler_input: HandlerInput) -> None:
        manager = handler_input.attributes_manager
        envelope = handler_input.request_envelope
        user_id = _user_id(handler_input)
        stored: dict[str, Any] = dict(manager.persistent_attributes) if user_id else {}
        session = envelope.session
        raw_session = dict(session.attributes or {}) if session is not None else {}
        ctx = Ctx(
            settings=self.settings,
            catalogue=self.catalogue,
            store=self.store if user_id else None,
            user_id=user_id,
            user=UserState.from_dict(stored),
            sess=SessionState.from_dict(raw_session),
            now=_request_time(handler_input),
            new_session=bool(session is not None and session.new),
        )
        ctx.sess.sanitize(self.catalogue.routines)
        manager.request_attributes[CTX_KEY] = ctx
        manager.request_attributes[LOADED_KEY] = stored


class SaveState(AbstractResponseInterceptor):
    """Writes the session state back, and the user's state when (and only when) it changed."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        manager = handler_input.attributes_manager
        ctx = manager.request_attributes.get(CTX_KEY)
        if not isinstance(ctx, Ctx):
            return
        if handler_input.request_envelope.session is not None:
            manager.session_attributes = ctx.sess.to_dict()
        if ctx.deleted or not ctx.user_id:
            return
        if not ctx.remembers_ratings:
            ctx.user.forget_adaptation()
        current = ctx.user.to_dict()
        if current != manager.request_attributes.get(LOADED_KEY):
            manager.persistent_attributes = current
            manager.save_persistent_attributes()
