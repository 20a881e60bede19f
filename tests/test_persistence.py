"""What the stores keep, for whom, and what survives: SQLite and DynamoDB (moto server) alike."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import boto3
import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.application import Application
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.launch_request import LaunchRequest
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User
from moto_server import moto_server

from skill.config import ConfigError, Settings
from skill.persistence import (
    DynamoDbStore,
    SqliteStore,
    Store,
    build_store,
    load_or_create_secret,
    user_key,
)
from skill.records import CheckinRecord

USER = "amzn1.ask.account.TESTUSER123"
OTHER_USER = "amzn1.ask.account.OTHERUSER456"
SECRET = b"test-secret-0123456789abcdef"
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def envelope(user_id: str | None = USER) -> RequestEnvelope:
    """A launch request from `user_id`, as Alexa would send it."""
    return RequestEnvelope(
        version="1.0",
        context=Context(
            system=SystemState(
                application=Application(application_id="amzn1.ask.skill.test"),
                user=User(user_id=user_id),
            )
        ),
        request=LaunchRequest(request_id="req-1", timestamp=START, locale="en-GB"),
    )


def checkin(minute: int, **changes: Any) -> CheckinRecord:
    """A check-in `minute` minutes after START."""
    record = CheckinRecord(
        at=START + timedelta(minutes=minute),
        routine_id="morning-gentle",
        profile="disc",
        pace="slow",
        pre_back=6,
        pre_leg=5,
        post_back=4,
        post_leg=None,
        leg_trend="closer",
        new_numbness=False,
    )
    return replace(record, **changes)


@dataclass
class Backend:
    """A store under test and a way to see every byte it has stored."""

    store: Store
    stored_bytes: Callable[[], bytes]


def sqlite_files_bytes(path: Path) -> bytes:
    """The database file and its -wal/-shm companions, concatenated, read by another process.

    (Opening and closing a database file in this process would drop the SQLite locks that any
    open store here holds on it.)
    """
    companions = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    existing = [str(p) for p in companions if p.exists()]
    return subprocess.run(["cat", *existing], capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def dynamodb_resource() -> Iterator[Any]:
    """A boto3 DynamoDB resource talking to a moto server started for this module."""
    with moto_server() as endpoint:
        yield boto3.session.Session().resource("dynamodb", endpoint_url=endpoint)


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each store in turn, empty: SQLite in a fresh file, DynamoDB in fresh moto tables."""
    if request.param == "sqlite":
        path = tmp_path / "data" / "gentle-back.sqlite3"
        store: Store = SqliteStore(path, SECRET)
        yield Backend(store, lambda: sqlite_files_bytes(path))
    else:
        resource = request.getfixturevalue("dynamodb_resource")
        suffix = uuid.uuid4().hex[:8]
        dynamo = DynamoDbStore(
            users_table=f"users-{suffix}",
            checkins_table=f"checkins-{suffix}",
            secret=SECRET,
            resource=resource,
        )
        dynamo.create_tables()
        tables = (resource.Table(f"users-{suffix}"), resource.Table(f"checkins-{suffix}"))
        store = dynamo
        yield Backend(store, lambda: repr([t.scan()["Items"] for t in tables]).encode())
    store.close()


# --- attributes (the ask-sdk persistence adapter) ---


def test_attributes_round_trip_with_nesting_unicode_and_floats(backend: Backend) -> None:
    attributes = {
        "schema_version": 2,
        "profile": "stenosis",
        "consent": {"ratings": True, "asked_at": "2024-05-01T08:00:00+00:00"},
        "resume": {"routine_id": "morning-gentle", "step": 3, "holds": [20, 30, 45]},
        "name": "Zoë — ☀️ 日本",
        "volume": 0.75,
        "nothing": None,
    }
    backend.store.save_attributes(envelope(), attributes)

    loaded = backend.store.get_attributes(envelope())

    assert loaded == attributes
    assert type(loaded["resume"]["step"]) is int
    assert type(loaded["volume"]) is float


def test_an_unknown_user_has_no_attributes(backend: Backend) -> None:
    assert backend.store.get_attributes(envelope("amzn1.ask.account.NOBODY")) == {}


def test_saving_attributes_replaces_what_was_there(backend: Backend) -> None:
    backend.store.save_attributes(envelope(), {"profile": "disc", "resume": {"step": 2}})
    backend.store.save_attributes(envelope(), {"profile": "unsure"})

    assert backend.store.get_attributes(envelope()) == {"profile": "unsure"}


def test_each_user_sees_only_their_own_attributes(backend: Backend) -> None:
    backend.store.save_attributes(envelope(USER), {"profile": "disc"})
    backend.store.save_attributes(envelope(OTHER_USER), {"profile": "stenosis"})

    assert backend.store.get_attributes(envelope(USER)) == {"profile": "disc"}
    assert backend.store.get_attributes(envelope(OTHER_USER)) == {"profile": "stenosis"}


def test_deleting_attributes_forgets_them_but_keeps_the_checkins(backend: Backend) -> None:
    key = backend.store.user_key(USER)
    backend.store.save_attributes(envelope(), {"profile": "disc"})
    backend.store.append_checkin(key, checkin(0))

    backend.store.delete_attributes(envelope())

    assert backend.store.get_attributes(envelope()) == {}
    assert backend.store.recent_checkins(key) == [checkin(0)]


def test_the_sdk_attributes_manager_saves_and_reloads_through_the_store(backend: Backend) -> None:
    manager = AttributesManager(request_envelope=envelope(), persistence_adapter=backend.store)
    manager.persistent_attributes = {"profile": "disc", "consent": {"ratings": True}}
    manager.save_persistent_attributes()

    next_turn = AttributesManager(request_envelope=envelope(), persistence_adapter=backend.store)
    assert next_turn.persistent_attributes == {"profile": "disc", "consent": {"ratings": True}}
    next_turn.delete_persistent_attributes()
    assert backend.store.get_attributes(envelope()) == {}


def test_attributes_that_are_not_json_are_refused(backend: Backend) -> None:
    with pytest.raises(PersistenceException, match="JSON"):
        backend.store.save_attributes(envelope(), {"when": START})
    with pytest.raises(PersistenceException, match="JSON"):
        backend.store.save_attributes(envelope(), {"score": float("nan")})


def test_a_request_without_a_user_id_is_refused(backend: Backend) -> None:
    with pytest.raises(PersistenceException, match="user id"):
        backend.store.get_attributes(envelope(user_id=None))


# --- check-ins ---


def test_checkins_come_back_in_time_order_as_typed_records(backend: Backend) -> None:
    key = backend.store.user_key(USER)
    records = [checkin(0), checkin(10, post_leg=7, leg_trend="further"), checkin(20, pre_back=None)]
    backend.store.append_checkin(key, records[2])  # appended out of time order on purpose
    backend.store.append_checkin(key, records[0])
    backend.store.append_checkin(key, records[1])

    loaded = backend.store.recent_checkins(key)

    assert loaded == records
    assert all(type(r.pre_leg) is int and type(r.post_back) is int for r in loaded)
    assert loaded[0].at.tzinfo is not None


def test_recent_checkins_are_the_newest_n_oldest_first(backend: Backend) -> None:
    key = backend.store.user_key(USER)
    for minute in range(8):
        backend.store.append_checkin(key, checkin(minute))

    assert backend.store.recent_checkins(key, limit=3) == [checkin(5), checkin(6), checkin(7)]
    assert backend.store.recent_checkins(key, limit=0) == []
    assert len(backend.store.recent_checkins(key, limit=100)) == 8


def test_two_checkins_at_the_same_moment_are_both_kept(backend: Backend) -> None:
    key = backend.store.user_key(USER)
    backend.store.append_checkin(key, checkin(0, post_back=3))
    backend.store.append_checkin(key, checkin(0, post_back=5))

    assert sorted(r.post_back or 0 for r in backend.store.recent_checkins(key)) == [3, 5]


def test_delete_user_removes_their_attributes_and_checkins_but_not_anyone_elses(
    backend: Backend,
) -> None:
    key, other_key = backend.store.user_key(USER), backend.store.user_key(OTHER_USER)
    for minute in range(30):
        backend.store.append_checkin(key, checkin(minute))
    backend.store.append_checkin(other_key, checkin(0))
    backend.store.save_attributes(envelope(USER), {"profile": "disc"})
    backend.store.save_attributes(envelope(OTHER_USER), {"profile": "stenosis"})

    backend.store.delete_user(key)

    assert backend.store.get_attributes(envelope(USER)) == {}
    assert backend.store.recent_checkins(key, limit=100) == []
    assert backend.store.get_attributes(envelope(OTHER_USER)) == {"profile": "stenosis"}
    assert backend.store.recent_checkins(other_key) == [checkin(0)]


# --- privacy ---


def test_the_raw_amazon_user_id_is_never_stored(backend: Backend) -> None:
    key = backend.store.user_key(USER)
    backend.store.save_attributes(envelope(), {"profile": "disc"})
    backend.store.append_checkin(key, checkin(0))

    stored = backend.stored_bytes()

    assert key.encode() in stored
    assert USER.encode() not in stored
    assert b"TESTUSER123" not in stored


def test_the_store_keys_users_by_hmac_of_their_id_under_its_secret(backend: Backend) -> None:
    assert backend.store.user_key(USER) == user_key(SECRET, USER)
    assert len(backend.store.user_key(USER)) == 64
    assert backend.store.user_key(USER) != backend.store.user_key(OTHER_USER)


def test_different_secrets_give_different_keys_for_one_user() -> None:
    assert user_key(b"secret-one-0123456789", USER) != user_key(b"secret-two-0123456789", USER)
    assert user_key(b"secret-one-0123456789", USER) == user_key(b"secret-one-0123456789", USER)


def test_a_deleted_users_data_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"
    store = SqliteStore(path, SECRET)
    key = store.user_key(USER)
    store.save_attributes(envelope(), {"note": "MARKER-ATTRIBUTE-7f3a"})
    store.append_checkin(key, checkin(0, routine_id="MARKER-ROUTINE-7f3a"))
    store.append_checkin(store.user_key(OTHER_USER), checkin(0))  # its page stays in use
    held_open = SqliteStore(path, SECRET)  # another worker's connection, open throughout
    held_open.get_attributes(envelope(OTHER_USER))

    store.delete_user(key)

    assert b"7f3a" not in sqlite_files_bytes(path)
    store.close()
    held_open.close()


# --- the secret file and build_store ---


def test_the_sqlite_secret_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "user-key.secret"
    old_umask = os.umask(0)  # a permissive umask must not make the secret readable by others
    try:
        secret = load_or_create_secret(path)
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert load_or_create_secret(path) == secret
    assert [p.name for p in path.parent.iterdir()] == ["user-key.secret"]


def test_concurrent_first_starts_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "user-key.secret"
    secrets: list[bytes] = []
    start = threading.Barrier(8)

    def first_start() -> None:
        start.wait()
        secrets.append(load_or_create_secret(path))

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(secrets) == 8 and len(set(secrets)) == 1
    assert path.read_bytes().strip() == secrets[0]


def test_build_store_defaults_to_sqlite_with_a_secret_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(sqlite_path=tmp_path / "db" / "gentle-back.sqlite3")

    store = build_store(settings)
    store.save_attributes(envelope(), {"profile": "disc"})
    store.close()
    reopened = build_store(settings)

    secret = (tmp_path / "db" / "user-key.secret").read_bytes().strip()
    assert isinstance(store, SqliteStore)
    assert store.user_key(USER) == user_key(secret, USER)
    assert reopened.get_attributes(envelope()) == {"profile": "disc"}
    reopened.close()


def test_build_store_uses_the_configured_secret_instead_of_a_file(tmp_path: Path) -> None:
    settings = Settings(sqlite_path=tmp_path / "gentle-back.sqlite3", user_key_secret=SECRET)

    store = build_store(settings)

    assert store.user_key(USER) == user_key(SECRET, USER)
    assert not (tmp_path / "user-key.secret").exists()


def test_build_store_connects_to_the_configured_dynamodb_endpoint(dynamodb_resource: Any) -> None:
    endpoint = dynamodb_resource.meta.client.meta.endpoint_url
    settings = Settings(
        store="dynamodb",
        user_key_secret=SECRET,
        dynamodb_endpoint=endpoint,
        dynamodb_table="built-users",
        dynamodb_checkins_table="built-checkins",
    )
    store = build_store(settings)
    assert isinstance(store, DynamoDbStore)
    store.create_tables()
    store.create_tables()  # a second call finds the tables and leaves them be

    store.save_attributes(envelope(), {"profile": "disc"})

    item = dynamodb_resource.Table("built-users").get_item(Key={"id": user_key(SECRET, USER)})
    assert item["Item"]["attributes"] == {"profile": "disc"}


def test_build_store_refuses_dynamodb_without_a_secret() -> None:
    with pytest.raises(ConfigError, match="USER_KEY_SECRET"):
        build_store(Settings(store="dynamodb"))


def test_build_store_refuses_dynamodb_without_an_aws_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")

    with pytest.raises(ConfigError, match="AWS_REGION"):
        build_store(Settings(store="dynamodb", user_key_secret=SECRET))


def test_the_package_imports_and_builds_a_dynamodb_store_without_an_aws_region() -> None:
    code = (
        "import boto3, skill.persistence as p\n"
        "r = boto3.resource('dynamodb', region_name='eu-west-1', endpoint_url='http://127.0.0.1:9',"
        " aws_access_key_id='x', aws_secret_access_key='x')\n"
        "p.DynamoDbStore(users_table='u', checkins_table='c', secret=b's' * 16, resource=r)\n"
        "assert boto3.DEFAULT_SESSION is None or boto3.DEFAULT_SESSION.region_name is None\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr


# --- SQLite integrity and concurrency ---


def test_the_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"
    store = SqliteStore(path, SECRET)
    store.append_checkin(store.user_key(USER), checkin(0))

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}

    assert modes == {
        "gentle-back.sqlite3": 0o600,
        "gentle-back.sqlite3-wal": 0o600,
        "gentle-back.sqlite3-shm": 0o600,
        "gentle-back.sqlite3-writer.lock": 0o600,
    }
    store.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_connections_of_finished_threads_are_released(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "gentle-back.sqlite3", SECRET)
    store.get_attributes(envelope())
    open_before = len(list(Path("/proc/self/fd").iterdir()))

    for _ in range(20):  # like a server that starts a thread per request
        worker = threading.Thread(target=store.get_attributes, args=(envelope(),))
        worker.start()
        worker.join()

    assert len(list(Path("/proc/self/fd").iterdir())) - open_before < 3
    store.close()


def test_the_checkins_table_refuses_updates(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"
    store = SqliteStore(path, SECRET)
    store.append_checkin(store.user_key(USER), checkin(0))
    store.close()

    with (
        closing(sqlite3.connect(path)) as db,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        db.execute("UPDATE checkins SET record = '{}'")


def test_a_database_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(PersistenceException, match="schema version 99"):
        SqliteStore(path, SECRET).get_attributes(envelope())


def test_threads_sharing_one_sqlite_store_lose_no_checkins(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "gentle-back.sqlite3", SECRET)
    key = store.user_key(USER)

    def append(first: int) -> None:
        for minute in range(first, first + 25):
            store.append_checkin(key, checkin(minute))

    threads = [threading.Thread(target=append, args=(i * 25,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.recent_checkins(key, limit=1000) == [checkin(m) for m in range(200)]
    store.close()


def _append_checkins(path: str, first_minute: int, count: int, start: Barrier) -> None:
    """Child process: wait for the others, then append `count` check-ins one commit at a time."""
    store = SqliteStore(Path(path), SECRET)
    key = store.user_key(USER)
    start.wait(timeout=60)
    for minute in range(first_minute, first_minute + count):
        store.append_checkin(key, checkin(minute))
    store.close()


def _append_until_killed(path: str, acknowledged: Connection) -> None:
    """Child process: append check-ins forever, reporting each one once it is committed."""
    store = SqliteStore(Path(path), SECRET)
    key = store.user_key(USER)
    minute = 0
    while True:
        store.append_checkin(key, checkin(minute))
        minute += 1
        acknowledged.send(minute)


def test_four_processes_appending_at_once_store_exactly_800_checkins(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"  # fresh: the processes also race to create the schema
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(4)
    workers = [
        spawn.Process(target=_append_checkins, args=(str(path), i * 200, 200, start))
        for i in range(4)
    ]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()

    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    store = SqliteStore(path, SECRET)
    assert store.recent_checkins(store.user_key(USER), limit=1000) == [
        checkin(m) for m in range(800)
    ]
    store.close()


def test_a_writer_killed_mid_run_loses_no_acknowledged_checkin(tmp_path: Path) -> None:
    path = tmp_path / "gentle-back.sqlite3"
    spawn = multiprocessing.get_context("spawn")
    reader, writer = spawn.Pipe(duplex=False)
    child = spawn.Process(target=_append_until_killed, args=(str(path), writer))
    child.start()
    writer.close()  # so the reader sees EOF once the child is gone
    acknowledged = 0
    try:
        while acknowledged < 100:
            assert reader.poll(60), "the writer stopped acknowledging"
            acknowledged = reader.recv()
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
    while True:
        try:
            acknowledged = reader.recv()
        except EOFError:
            break
    reader.close()

    assert child.exitcode == -signal.SIGKILL
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = SqliteStore(path, SECRET)
    stored = store.recent_checkins(store.user_key(USER), limit=100_000)
    store.close()
    # Every acknowledged check-in is there, in order; at most one committed but not yet reported.
    assert stored[:acknowledged] == [checkin(m) for m in range(acknowledged)]
    assert len(stored) - acknowledged in (0, 1)
