"""Deployment artefacts: the Lambda bundle, the SAM template, ask-resources.json and gunicorn.

The bundle is built without installing dependencies (no network); the descriptors are checked
against each other and against the code they name, so a renamed handler or a runtime bump in one
place fails here rather than in AWS. gunicorn is started for real on a free local port.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.cli import bundle
from skill.config import PROJECT_ROOT, Settings

HANDLER = "skill.lambda_function.handler"


# --- the bundle ---------------------------------------------------------------------------------


def build(tmp_path: Path, site_dir: Path | None = None, name: str = "lambda.zip") -> Path:
    output = tmp_path / name
    stage_dir = output.with_suffix("")
    bundle.stage(stage_dir, site_dir=site_dir, install=False, arch="x86_64")
    bundle.write_zip(stage_dir, output)
    return output


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bundle"))


def names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        return opened.namelist()


def test_the_bundle_holds_the_code_and_the_content_at_its_root(bundled: Path) -> None:
    inside = set(names(bundled))
    assert "skill/lambda_function.py" in inside
    assert "skill/builder.py" in inside
    assert "skill/copy/intents.yaml" in inside
    routines = {p.name for p in (PROJECT_ROOT / "sessions").glob("*.yaml")}
    poses = {p.name for p in (PROJECT_ROOT / "sessions" / "poses").glob("*.yaml")}
    assert routines and {f"sessions/{name}" for name in routines} <= inside
    assert poses and {f"sessions/poses/{name}" for name in poses} <= inside
    assert {name.split("/")[0] for name in inside} == {"skill", "sessions"}


def test_the_bundle_leaves_out_caches_compiled_files_and_tests(bundled: Path) -> None:
    for name in names(bundled):
        parts = name.split("/")
        assert "__pycache__" not in parts and "tests" not in parts, name
        assert not name.endswith((".pyc", ".pyo")), name
        assert name != bundle.STAGE_MARKER


def test_the_bundle_is_sorted_and_stamped_so_rebuilding_gives_the_same_bytes(
    bundled: Path, tmp_path: Path
) -> None:
    listed = names(bundled)
    assert listed == sorted(listed)
    with zipfile.ZipFile(bundled) as opened:
        assert {info.date_time for info in opened.infolist()} == {bundle.ZIP_EPOCH}
        assert {info.external_attr >> 16 for info in opened.infolist()} == {0o100644}
    assert build(tmp_path).read_bytes() == bundled.read_bytes()


def test_a_prebuilt_site_dir_is_copied_in_without_its_caches(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "fakepkg" / "__pycache__").mkdir(parents=True)
    (site / "fakepkg" / "tests").mkdir()
    (site / "fakepkg" / "__init__.py").write_text("VALUE = 1\n")
    (site / "fakepkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (site / "fakepkg" / "tests" / "test_it.py").write_text("")
    inside = names(build(tmp_path, site_dir=site))
    assert "fakepkg/__init__.py" in inside
    assert not [n for n in inside if n.startswith("fakepkg/") and n != "fakepkg/__init__.py"]


def test_the_bundle_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "lambda"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(ValueError, match="not made by bundle"):
        build(tmp_path)
    assert (precious / "thesis.txt").exists()


def test_the_bundle_runs_from_its_own_folder_with_no_project_on_the_path(
    bundled: Path, tmp_path: Path
) -> None:
    # The dependencies come from this virtualenv's site-packages, standing in for the wheels that
    # `bundle` installs; the project folder itself is nowhere on the path.
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(bundled) as opened:
        opened.extractall(unpacked)
    probe = (
        "import skill.config, skill.lambda_function; "
        "print(skill.config.DEFAULT_SESSIONS_DIR.is_dir(), skill.lambda_function.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked), "PYTHONSAFEPATH": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    found, module_file = result.stdout.split()
    assert found == "True"
    assert Path(module_file).is_relative_to(unpacked)


def test_the_lambda_requirements_come_pinned_from_pyproject() -> None:
    specs = bundle.requirements()
    assert len(specs) == len(bundle.LAMBDA_REQUIREMENTS)
    assert all(any(op in spec for op in "<>=") for spec in specs)
    assert not [s for s in specs if s.lower().startswith(("flask", "gunicorn", "pydub", "gtts"))]


# --- descriptors agree with each other and with the code ----------------------------------------


class CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub, !GetAtt) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    assert isinstance(node, yaml.MappingNode)
    return {suffix: loader.construct_mapping(node)}


CloudFormationLoader.add_multi_constructor("!", _any_tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    text = (PROJECT_ROOT / "template.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=CloudFormationLoader)  # a SafeLoader
    return loaded


@pytest.fixture(scope="module")
def ask_resources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PROJECT_ROOT / "ask-resources.json").read_text())
    return data


def test_the_named_handler_exists_and_is_callable() -> None:
    module_name, _, function = HANDLER.rpartition(".")
    assert callable(getattr(importlib.import_module(module_name), function))


def test_sam_runs_the_bundle_on_the_bundles_python_with_the_handler(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["SkillFunction"]["Properties"]
    assert function["Runtime"] == f"python{bundle.LAMBDA_PYTHON}"
    assert function["Handler"] == HANDLER
    assert function["CodeUri"] == "build/lambda.zip"
    assert function["Architectures"] == ["x86_64"]
    assert function["Timeout"] < 8
    assert function["Events"]["AlexaSkill"] == {
        "Type": "AlexaSkill",
        "Properties": {"SkillId": {"Ref": "SkillId"}},
    }


def test_sam_gives_the_function_crud_on_both_tables_and_nothing_more(
    template: dict[str, Any],
) -> None:
    policies = template["Resources"]["SkillFunction"]["Properties"]["Policies"]
    assert policies == [
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "UsersTable"}}},
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "CheckinsTable"}}},
    ]


def test_sam_tables_have_the_keys_the_store_uses(template: dict[str, Any]) -> None:
    def keys(name: str) -> list[tuple[str, str, str]]:
        table = template["Resources"][name]["Properties"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        return [
            (k["AttributeName"], k["KeyType"], types[k["AttributeName"]])
            for k in table["KeySchema"]
        ]

    assert keys("UsersTable") == [("id", "HASH", "S")]
    assert keys("CheckinsTable") == [("user_key", "HASH", "S"), ("at", "RANGE", "S")]


def test_the_sam_environment_is_one_the_settings_accept(template: dict[str, Any]) -> None:
    variables = template["Resources"]["SkillFunction"]["Properties"]["Environment"]["Variables"]
    stand_ins = {
        "UsersTable": "stack-UsersTable-1",
        "CheckinsTable": "stack-CheckinsTable-1",
        "UserKeySecret": "a-secret-of-at-least-16-chars",
        "SkillId": "amzn1.ask.skill.00000000-0000-4000-8000-000000000000",
        "StoreRatings": "off",
        "AudioBaseUrl": "",
    }
    env = {k: v if isinstance(v, str) else stand_ins[v["Ref"]] for k, v in variables.items()}
    settings = Settings.from_env(env)
    assert settings.store == "dynamodb"
    assert settings.dynamodb_table == "stack-UsersTable-1"
    assert settings.dynamodb_checkins_table == "stack-CheckinsTable-1"
    assert settings.store_ratings is False
    parameters = template["Parameters"]
    assert parameters["UserKeySecret"]["NoEcho"] is True
    assert parameters["UserKeySecret"]["MinLength"] >= 16


def test_ask_deploy_uploads_the_staged_bundle_with_the_same_runtime_and_handler(
    ask_resources: dict[str, Any],
) -> None:
    profile = ask_resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    assert profile["code"]["default"]["src"] == "./build/lambda"
    infrastructure = profile["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/lambda-deployer"
    config = infrastructure["userConfig"]
    assert config["runtime"] == f"python{bundle.LAMBDA_PYTHON}"
    assert config["handler"] == HANDLER
    assert config["lambda"]["timeout"] < 8

    # ask-cli zips the folder `bundle` stages (it has no requirements.txt, so ask-cli does not
    # pip-install host-platform wheels over it).
    parser = argparse.ArgumentParser()
    bundle.configure(parser)
    staged = parser.parse_args([]).output.with_suffix("")
    assert staged == (PROJECT_ROOT / profile["code"]["default"]["src"]).resolve()


def test_ask_deploy_environment_fails_loudly_until_a_secret_is_filled_in(
    ask_resources: dict[str, Any],
) -> None:
    from skill.config import ConfigError

    config = ask_resources["profiles"]["default"]["skillInfrastructure"]["userConfig"]
    variables = config["lambda"]["environmentVariables"]
    assert variables["GENTLE_BACK_USER_KEY_SECRET"] == ""
    with pytest.raises(ConfigError, match="USER_KEY_SECRET"):
        Settings.from_env(variables)
    filled = {**variables, "GENTLE_BACK_USER_KEY_SECRET": "x" * 32}
    assert Settings.from_env(filled).store == "dynamodb"


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[str]:
    executable = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("gunicorn is not installed in this environment")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GENTLE_BACK_")},
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GENTLE_BACK_WEB_WORKERS": "1",
        "GENTLE_BACK_VERIFY_REQUESTS": "off",
        "GENTLE_BACK_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([executable], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_gunicorn_serves_the_app_with_its_config_file(gunicorn: str) -> None:
    with urllib.request.urlopen(f"{gunicorn}/healthz", timeout=5) as answer:
        assert json.load(answer) == {"status": "ok"}
    request = urllib.request.Request(f"{gunicorn}/alexa", data=b"junk", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    refused.value.close()


def test_gunicorn_logs_each_request_without_the_user_id(gunicorn: str, tmp_path: Path) -> None:
    user_id = "amzn1.ask.account.GUNICORN-LOG-PROBE"
    app = {"applicationId": "amzn1.ask.skill.local"}
    envelope = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "s", "application": app, "user": {"userId": user_id}},
        "context": {"System": {"application": app, "user": {"userId": user_id}}},
        "request": {
            "type": "LaunchRequest",
            "requestId": "r",
            "timestamp": "2026-11-21T19:30:00Z",
            "locale": "en-US",
        },
    }
    request = urllib.request.Request(f"{gunicorn}/alexa", data=json.dumps(envelope).encode())
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer)["version"] == "1.0"
    log = tmp_path / "gunicorn.log"
    expected = ("LaunchRequest 200", '"POST /alexa HTTP/1.1" 200')
    deadline = time.monotonic() + 10
    while not all(e in log.read_text() for e in expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    text = log.read_text()
    assert "skill.web: POST /alexa LaunchRequest 200" in text
    assert '"POST /alexa HTTP/1.1" 200' in text
    assert user_id not in text
