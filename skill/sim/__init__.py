"""The local simulator: talk to the skill by typing, without an Echo or an Amazon account.

`connect` opens a `Conversation` with the skill, in-process (`build_skill` on the configured
store) or over HTTP to a running web service; utterances resolve offline against the generated
interaction model (`nlu`), requests are real envelopes (`envelopes`), turns render for a terminal
(`render`), and conversations can be scripted and checked (`dialogs`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from skill.config import PROJECT_ROOT, Settings
from skill.sim.envelopes import SIM_APPLICATION_ID, Caller
from skill.sim.nlu import InteractionModel, Resolver
from skill.sim.session import Conversation, HttpTransport, InProcessTransport, Transport

if TYPE_CHECKING:
    from skill.persistence import Store

__all__ = ["Conversation", "connect", "model_path", "pick_application_id"]

SKILL_PACKAGE = PROJECT_ROOT / "skill-package"
ASK_STATES = PROJECT_ROOT / ".ask" / "ask-states.json"


def model_path(locale: str, package_dir: Path = SKILL_PACKAGE) -> Path:
    """Where the generated interaction model for `locale` lives."""
    return package_dir / "interactionModels" / "custom" / f"{locale}.json"


def pick_application_id(
    settings: Settings, preferred: str | None = None, ask_states: Path = ASK_STATES
) -> str:
    """The skill id to send: the configured one (the skill checks it), else `preferred` (a replay
    file's), else the ASK CLI's deployed id in `.ask/ask-states.json`, else a simulator id."""
    if settings.skill_id:
        return settings.skill_id
    if preferred:
        return preferred
    try:
        states = json.loads(ask_states.read_text(encoding="utf-8"))
        deployed = states["profiles"]["default"]["skillId"]
    except (OSError, ValueError, KeyError, TypeError):
        return SIM_APPLICATION_ID
    return str(deployed) if deployed else SIM_APPLICATION_ID


def connect(
    settings: Settings,
    *,
    user: str = "developer",
    locale: str = "en-US",
    url: str | None = None,
    model: Path | InteractionModel | None = None,
    application_id: str | None = None,
    store: Store | None = None,
) -> Conversation:
    """Open a conversation as `user` with the skill: in-process on `store` (default: the one
    `settings` configure), or with the web service at `url`. Utterances resolve against `model`
    (a loaded model or a JSON file; default: the generated one for `locale`, FileNotFoundError
    when `gentle-back build-model` has not made it yet)."""
    if not isinstance(model, InteractionModel):
        path = model or model_path(locale)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no interaction model; run `gentle-back build-model`")
        model = InteractionModel.load(path)
    transport: Transport
    if url is not None:
        transport = HttpTransport(url)
    else:
        from skill.builder import build_skill

        transport = InProcessTransport(build_skill(settings, store=store))
    caller = Caller(application_id or pick_application_id(settings), user, locale)
    return Conversation(transport, Resolver(model), caller)
