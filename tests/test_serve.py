"""`gentle-back serve`: who decides whether requests are verified, and what the developer sees."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from skill.cli import serve
from skill.config import Settings


@pytest.mark.parametrize(
    ("flag", "env", "host", "expected"),
    [
        (None, {}, "127.0.0.1", False),
        (None, {}, "localhost", False),
        (None, {}, "::1", False),
        (None, {}, "0.0.0.0", True),
        (None, {}, "192.168.1.20", True),
        (None, {"GENTLE_BACK_VERIFY_REQUESTS": "on"}, "127.0.0.1", True),
        (None, {"GENTLE_BACK_VERIFY_REQUESTS": "off"}, "0.0.0.0", False),
        (None, {"GENTLE_BACK_VERIFY_REQUESTS": " "}, "0.0.0.0", True),
        (True, {"GENTLE_BACK_VERIFY_REQUESTS": "off"}, "127.0.0.1", True),
        (False, {"GENTLE_BACK_VERIFY_REQUESTS": "on"}, "0.0.0.0", False),
    ],
    ids=[
        "loopback defaults to off",
        "localhost defaults to off",
        "IPv6 loopback defaults to off",
        "all interfaces default to on",
        "a LAN address defaults to on",
        "the environment turns it on for loopback",
        "the environment turns it off for all interfaces",
        "a blank environment value is no opinion",
        "--verify beats the environment",
        "--no-verify beats the environment",
    ],
)
def test_verification_is_decided_by_flag_then_environment_then_address(
    flag: bool | None, env: dict[str, str], host: str, expected: bool
) -> None:
    assert serve.decide_verification(flag, env, host) is expected


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.configure(parser)
    return parser.parse_args(argv)


def test_the_flags_parse_to_a_three_way_choice() -> None:
    assert parse().verify is None
    assert parse("--verify").verify is True
    assert parse("--no-verify").verify is False
    with pytest.raises(SystemExit):
        parse("--verify", "--no-verify")


def test_the_banner_says_where_to_point_the_simulator_and_curl() -> None:
    text = serve.banner(Settings(verify_requests=False), "127.0.0.1", 8080)
    assert ".venv/bin/gentle-back simulate --url http://127.0.0.1:8080/alexa" in text
    assert "curl -s http://127.0.0.1:8080/healthz" in text
    assert "Request verification is OFF" in text


def test_the_banners_curl_example_is_a_launch_request_the_app_accepts() -> None:
    envelope = json.loads(serve.launch_request(None))
    assert envelope["request"]["type"] == "LaunchRequest"
    assert envelope["request"]["timestamp"].endswith("Z")


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in list(os.environ):
        if name.startswith("GENTLE_BACK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GENTLE_BACK_SQLITE_PATH", str(tmp_path / "db.sqlite3"))
    calls: dict[str, Any] = {}

    def fake_run_simple(host: str, port: int, app: Flask, **options: Any) -> None:
        calls.update(host=host, port=port, app=app, **options)

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    return calls


def launch_body() -> bytes:
    return serve.launch_request(None).encode()


def test_serve_on_loopback_answers_the_unsigned_curl_example(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve.run(parse("--port", "9999")) == 0
    assert served["host"] == "127.0.0.1" and served["port"] == 9999
    assert served["threaded"] is True and served["use_reloader"] is False
    answer = served["app"].test_client().post("/alexa", data=launch_body())
    assert answer.status_code == 200
    assert "Request verification is OFF" in capsys.readouterr().out


def test_serve_on_all_interfaces_refuses_unsigned_requests(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve.run(parse("--host", "0.0.0.0")) == 0
    answer = served["app"].test_client().post("/alexa", data=launch_body())
    assert answer.status_code == 400
    assert "Request verification is ON" in capsys.readouterr().out


def test_serve_reports_a_bad_setting_instead_of_a_traceback(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_STORE", "postgres")
    assert serve.run(parse()) == 2
    assert "GENTLE_BACK_STORE" in capsys.readouterr().err
    assert "app" not in served


def test_serve_plays_locally_rendered_chimes_from_its_own_audio_path(tmp_path: Path) -> None:
    from skill.cli.serve import local_audio_base
    from skill.config import Settings

    settings = Settings(audio_dir=tmp_path)
    assert local_audio_base(settings, "127.0.0.1", 8080) is None  # nothing rendered yet
    (tmp_path / "start-chime.mp3").write_bytes(b"ID3")
    assert local_audio_base(settings, "127.0.0.1", 8080) == "http://127.0.0.1:8080/audio"
    configured = Settings(audio_dir=tmp_path, audio_base_url="https://cdn.example/audio")
    assert local_audio_base(configured, "127.0.0.1", 8080) == "https://cdn.example/audio"
