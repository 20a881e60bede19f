"""Settings, read from the environment in one place and validated at start-up.

Every setting has a `GENTLE_BACK_` variable. `Settings.from_env()` is called by the entry points
(CLI, web app, Lambda handler); nothing reads `os.environ` anywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SESSIONS_DIR = PROJECT_ROOT / "sessions"
DEFAULT_AUDIO_DIR = PROJECT_ROOT / "audio"
DEFAULT_DATA_DIR = PROJECT_ROOT / ".data"

StoreKind = Literal["sqlite", "dynamodb"]
TtsBackend = Literal["gtts", "espeak"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected one of on/off/true/false/1/0, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ConfigError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one running skill."""

    sessions_dir: Path = DEFAULT_SESSIONS_DIR
    audio_dir: Path = DEFAULT_AUDIO_DIR
    store: StoreKind = "sqlite"
    sqlite_path: Path = DEFAULT_DATA_DIR / "gentle-back.sqlite3"
    #: Secret for the HMAC that turns an Amazon user id into a storage key. Required for
    #: DynamoDB; for SQLite it is created beside the database file when not given.
    user_key_secret: bytes | None = None
    dynamodb_table: str = "gentle-back-users"
    dynamodb_checkins_table: str = "gentle-back-checkins"
    dynamodb_endpoint: str | None = None
    #: When False, pain ratings are used within the session only and never written anywhere.
    store_ratings: bool = True
    skill_id: str | None = None
    verify_requests: bool = True
    trusted_roots: Path | None = None
    alexa_path: str = "/alexa"
    max_body_bytes: int = 256 * 1024
    audio_base_url: str | None = None
    tts_backend: TtsBackend = "espeak"
    tts_cache_dir: Path = DEFAULT_DATA_DIR / "tts-cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every `GENTLE_BACK_*` variable; raise ConfigError on bad values."""
        env = os.environ if env is None else env
        g = "GENTLE_BACK_"
        store = _choice(env, g + "STORE", "sqlite", ("sqlite", "dynamodb"))
        secret = env.get(g + "USER_KEY_SECRET", "").encode() or None
        if store == "dynamodb" and secret is None:
            raise ConfigError(f"{g}USER_KEY_SECRET: required when {g}STORE=dynamodb")
        if secret is not None and len(secret) < 16:
            raise ConfigError(f"{g}USER_KEY_SECRET: use at least 16 characters")
        alexa_path = env.get(g + "ALEXA_PATH", "/alexa").strip() or "/alexa"
        if not alexa_path.startswith("/"):
            raise ConfigError(f"{g}ALEXA_PATH: must start with '/', got {alexa_path!r}")
        audio_base = env.get(g + "AUDIO_BASE_URL", "").strip().rstrip("/") or None
        if audio_base is not None and not audio_base.startswith(("https://", "http://")):
            raise ConfigError(f"{g}AUDIO_BASE_URL: must be an http(s) URL, got {audio_base!r}")
        roots = env.get(g + "TRUSTED_ROOTS", "").strip()
        data_dir = Path(env.get(g + "DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
        return cls(
            sessions_dir=Path(env.get(g + "SESSIONS_DIR", "").strip() or DEFAULT_SESSIONS_DIR),
            audio_dir=Path(env.get(g + "AUDIO_DIR", "").strip() or DEFAULT_AUDIO_DIR),
            store=store,  # type: ignore[arg-type]
            sqlite_path=Path(
                env.get(g + "SQLITE_PATH", "").strip() or data_dir / "gentle-back.sqlite3"
            ),
            user_key_secret=secret,
            dynamodb_table=env.get(g + "DYNAMODB_TABLE", "").strip() or "gentle-back-users",
            dynamodb_checkins_table=(
                env.get(g + "DYNAMODB_CHECKINS_TABLE", "").strip() or "gentle-back-checkins"
            ),
            dynamodb_endpoint=env.get(g + "DYNAMODB_ENDPOINT", "").strip() or None,
            store_ratings=_flag(env, g + "STORE_RATINGS", True),
            skill_id=env.get(g + "SKILL_ID", "").strip() or None,
            verify_requests=_flag(env, g + "VERIFY_REQUESTS", True),
            trusted_roots=Path(roots) if roots else None,
            alexa_path=alexa_path,
            max_body_bytes=_positive_int(env, g + "MAX_BODY_BYTES", 256 * 1024),
            audio_base_url=audio_base,
            tts_backend=_choice(env, g + "TTS", "espeak", ("gtts", "espeak")),  # type: ignore[arg-type]
            tts_cache_dir=Path(env.get(g + "TTS_CACHE", "").strip() or data_dir / "tts-cache"),
        )
