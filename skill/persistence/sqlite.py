"""SQLite store: persistent attributes and an append-only check-in log in one local file.

Made for self-hosting under gunicorn: WAL journal (readers never block the writer), a busy
timeout so concurrent writers queue instead of failing, `BEGIN IMMEDIATE` around every write so
the write lock is taken up front (no deadlock on lock upgrade), `synchronous=FULL` so an
acknowledged check-in survives even a power cut, and one connection per thread and process.
The files are owner-only (0600). Deleted rows are zeroed (`secure_delete`) and `delete_user`
checkpoints the WAL, so "delete my data" also removes the bytes from disk.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.persistence.base import Store
from skill.persistence.keys import envelope_user_id, sortable_at, user_key
from skill.records import CheckinRecord

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        user_key TEXT PRIMARY KEY,
        attributes TEXT NOT NULL,  -- JSON object
        schema_version INTEGER,    -- the attributes' own "schema_version", when they carry one
        updated_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS checkins (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_key TEXT NOT NULL,
        at TEXT NOT NULL,          -- UTC, fixed width, so text order is time order
        record TEXT NOT NULL,      -- JSON of CheckinRecord.to_dict()
        schema_version INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS checkins_user_at ON checkins (user_key, at)",
    """CREATE TRIGGER IF NOT EXISTS checkins_append_only BEFORE UPDATE ON checkins
    BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END""",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


class _Handle:
    """One thread's connection, closed as soon as that thread's local storage is freed.

    (A bare sqlite3 connection sits in a reference cycle and would linger until garbage
    collection, holding its files open, on servers that start a thread per request.)
    """

    __slots__ = ("__weakref__", "conn", "pid")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pid = os.getpid()

    def __del__(self) -> None:
        if self.pid == os.getpid():  # never close a connection inherited across fork()
            self.conn.close()


class SqliteStore(Store):
    """Store backed by one SQLite file; safe across threads and processes sharing that file."""

    def __init__(self, path: Path, secret: bytes) -> None:
        """Remember where the database lives; the file and schema are created on first use."""
        self._path = path
        self._secret = secret
        self._local = threading.local()
        self._lock = threading.Lock()
        self._handles: weakref.WeakSet[_Handle] = weakref.WeakSet()  # for close()
        self._schema_ready = False
        self._closed = False

    def user_key(self, user_id: str) -> str:
        """Return the storage key for an Amazon user id (HMAC with this store's secret)."""
        return user_key(self._secret, user_id)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Return the user's persistent attributes, or {} for a user never saved."""
        key = self.user_key(envelope_user_id(request_envelope))
        with self._errors():
            rows = (
                self._conn()
                .execute("SELECT attributes FROM users WHERE user_key = ?", (key,))
                .fetchall()
            )
        return dict(json.loads(rows[0][0])) if rows else {}

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the user's persistent attributes with `attributes` (a JSON-able dict)."""
        key = self.user_key(envelope_user_id(request_envelope))
        try:
            text = json.dumps(attributes, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise PersistenceException(f"attributes are not JSON-able: {error}") from error
        version = attributes.get("schema_version")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO users (user_key, attributes, schema_version, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET"
                " attributes = excluded.attributes, schema_version = excluded.schema_version,"
                " updated_at = excluded.updated_at",
                (key, text, version if type(version) is int else None, now),
            )

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user's persistent attributes (their check-ins stay; see `delete_user`)."""
        key = self.user_key(envelope_user_id(request_envelope))
        with self._write() as conn:
            conn.execute("DELETE FROM users WHERE user_key = ?", (key,))

    def append_checkin(self, user_key: str, record: CheckinRecord) -> None:
        """Append one check-in to the user's log; returns once it is durably committed."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO checkins (user_key, at, record, schema_version) VALUES (?, ?, ?, ?)",
                (
                    user_key,
                    sortable_at(record.at),
                    json.dumps(record.to_dict()),
                    record.schema_version,
                ),
            )

    def recent_checkins(self, user_key: str, limit: int = 20) -> list[CheckinRecord]:
        """Return the user's newest `limit` check-ins, oldest first."""
        if limit <= 0:
            return []
        with self._errors():
            rows = (
                self._conn()
                .execute(
                    "SELECT record FROM checkins WHERE user_key = ?"
                    " ORDER BY at DESC, id DESC LIMIT ?",
                    (user_key, limit),
                )
                .fetchall()
            )
        return [CheckinRecord.from_dict(json.loads(row[0])) for row in reversed(rows)]

    def delete_user(self, user_key: str) -> None:
        """Delete the user's attributes and every check-in, and flush the deletion to disk."""
        with self._write() as conn:
            conn.execute("DELETE FROM checkins WHERE user_key = ?", (user_key,))
            conn.execute("DELETE FROM users WHERE user_key = ?", (user_key,))
        with self._errors():
            # Move the zeroed pages into the main file and empty the WAL, so the old bytes go now.
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        """Close every connection this process opened; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            mine = [handle.conn for handle in self._handles if handle.pid == os.getpid()]
            self._handles.clear()
        for conn in mine:
            conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise PersistenceException(f"SQLite store {self._path}: {error}") from error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._errors():
            conn = self._conn()
            # SQLite's busy handler polls, so a writer committing in a loop can starve sleeping
            # writers past the busy timeout. A blocking flock queues writers in the kernel and
            # wakes one on release; a killed writer releases it too.
            fd = os.open(f"{self._path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            finally:
                os.close(fd)

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise PersistenceException(f"SQLite store {self._path} is closed")
        handle: _Handle | None = getattr(self._local, "handle", None)
        if handle is not None and handle.pid == os.getpid():
            return handle.conn
        # None yet in this thread, or inherited across fork(), where it must not be used.
        handle = _Handle(self._open())
        self._local.handle = handle
        with self._lock:
            self._handles.add(handle)
        return handle.conn

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        is_new = not self._path.exists()
        conn = sqlite3.connect(
            self._path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # only so close() may run on another thread
        )
        try:
            if is_new:
                # Health data: owner-only; the -wal and -shm files, made later, copy this mode.
                # (chmod, not open+close: closing any descriptor of the file would silently
                # drop this process's SQLite locks on it.)
                self._path.chmod(0o600)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            self._switch_to_wal(conn)
            if not self._schema_ready:
                self._create_schema(conn)
                self._schema_ready = True
        except BaseException:
            conn.close()
            raise
        return conn

    def _switch_to_wal(self, conn: sqlite3.Connection) -> None:
        # Several processes opening a new file all try to switch it to WAL, which needs an
        # exclusive lock; SQLite reports SQLITE_BUSY for that without waiting, so wait here.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL").fetchall()
                return
            except sqlite3.OperationalError as error:
                busy = getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0.005, 0.05))

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            [(version,)] = conn.execute("PRAGMA user_version").fetchall()
            if version > SCHEMA_VERSION:
                raise PersistenceException(
                    f"{self._path} has schema version {version}; this code knows {SCHEMA_VERSION}"
                )
            if version < SCHEMA_VERSION:
                for statement in _SCHEMA:
                    conn.execute(statement)
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
