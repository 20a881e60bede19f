"""The Lambda entry point: an Alexa event dict in, a response dict out, the skill built once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.response_envelope import ResponseEnvelope

from skill import lambda_function
from skill.config import PROJECT_ROOT

SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


def launch_event(request_id: str = "amzn1.echo-api.request.1") -> dict[str, Any]:
    application = {"applicationId": SKILL_ID}
    user = {"userId": "amzn1.ask.account.LAMBDA-TEST"}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.1",
            "application": application,
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.1", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": request_id,
            "timestamp": "2026-11-21T19:30:00Z",
            "locale": "en-US",
        },
    }


@pytest.fixture
def lambda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("GENTLE_BACK_"):
            monkeypatch.delenv(name)
    database = tmp_path / "lambda.sqlite3"
    monkeypatch.setenv("GENTLE_BACK_SQLITE_PATH", str(database))
    monkeypatch.setenv("GENTLE_BACK_SKILL_ID", SKILL_ID)
    lambda_function.get_skill.cache_clear()
    yield database
    lambda_function.get_skill.cache_clear()


def test_a_launch_event_gets_a_valid_response_envelope(lambda_env: Path) -> None:
    context = SimpleNamespace(function_name="gentle-back", aws_request_id="1")
    answer = lambda_function.handler(launch_event(), context)
    envelope = DefaultSerializer().deserialize(json.dumps(answer), ResponseEnvelope)
    assert isinstance(envelope, ResponseEnvelope)
    assert answer["version"] == "1.0"
    speech = answer["response"]["outputSpeech"]
    assert speech["type"] == "SSML"
    assert speech["ssml"].startswith("<speak>")
    assert isinstance(answer["response"]["shouldEndSession"], bool)


def test_the_skill_is_built_once_per_container(lambda_env: Path) -> None:
    lambda_function.handler(launch_event("amzn1.echo-api.request.1"), None)
    lambda_function.handler(launch_event("amzn1.echo-api.request.2"), None)
    assert lambda_function.get_skill.cache_info().misses == 1
    assert lambda_function.get_skill.cache_info().hits == 1


def test_the_sqlite_store_lives_where_the_environment_says(lambda_env: Path) -> None:
    lambda_function.handler(launch_event(), None)
    assert lambda_env.exists()


def test_importing_the_entry_point_builds_nothing() -> None:
    probe = (
        "import sys, skill.lambda_function; "
        "print(sorted(m for m in ('skill.builder', 'skill.catalogue', 'ask_sdk_core.skill') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
