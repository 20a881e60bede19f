"""Storage keys: users by an HMAC of their Amazon user id (never the id itself), check-ins by time.

The secret comes from `Settings.user_key_secret`; a self-hosted SQLite install without one gets a
random secret created once beside the database (`user-key.secret`, mode 0600). Its contents are
the secret exactly as `GENTLE_BACK_USER_KEY_SECRET` would hold it, so it can be moved there later
without orphaning anyone's data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.config import ConfigError

SECRET_FILE_NAME = "user-key.secret"
_SECRET_BYTES = 32
_MIN_SECRET_CHARS = 16  # as for GENTLE_BACK_USER_KEY_SECRET


def user_key(secret: bytes, user_id: str) -> str:
    """Return the storage key for an Amazon user id: hex HMAC-SHA256 keyed with `secret`."""
    return hmac.new(secret, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def sortable_at(moment: datetime) -> str:
    """Return `moment` in UTC as a fixed-width ISO 8601 string whose text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def envelope_user_id(request_envelope: RequestEnvelope) -> str:
    """Return `context.system.user.user_id`, raising PersistenceException when it is missing."""
    context = request_envelope.context
    system = context.system if context is not None else None
    user = system.user if system is not None else None
    user_id = user.user_id if user is not None else None
    if not user_id:
        raise PersistenceException("request envelope has no user id to key persistence on")
    return str(user_id)


def load_or_create_secret(path: Path) -> bytes:
    """Return the secret stored at `path`, creating it first (64 hex chars, mode 0600) if absent.

    Creation is atomic and never overwrites: the secret is written and flushed to a private
    temporary file which is then hard-linked into place, so concurrent first starts (several
    gunicorn workers) all end up with the one secret that won, and nobody reads a half-written file.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        os.write(fd, (secrets.token_hex(_SECRET_BYTES) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process created it first; theirs is the secret
    finally:
        tmp.unlink()
    _fsync_directory(path.parent)  # losing the name in a power cut would orphan every user
    return _read_secret(path)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_secret(path: Path) -> bytes:
    secret = path.read_bytes().strip()
    if len(secret) < _MIN_SECRET_CHARS:
        raise ConfigError(f"{path}: the user-key secret must be at least {_MIN_SECRET_CHARS} bytes")
    return secret
