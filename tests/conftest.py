"""Shared fixtures: the real catalogue, settings on a temporary SQLite file, the real skill."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alexa import TEST_SECRET, Conversation
from ask_sdk_core.skill import CustomSkill
from offline import network_attempts  # noqa: F401  (shared fixture)

from skill.catalogue import Catalogue, load_catalogue
from skill.config import DEFAULT_SESSIONS_DIR, Settings
from skill.persistence import SqliteStore, Store


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(DEFAULT_SESSIONS_DIR)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        sqlite_path=tmp_path / "gentle-back.sqlite3",
        user_key_secret=TEST_SECRET,
        tts_cache_dir=tmp_path / "tts-cache",
        verify_requests=False,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    sqlite = SqliteStore(settings.sqlite_path, TEST_SECRET)
    yield sqlite
    sqlite.close()


@pytest.fixture
def skill(settings: Settings, catalogue: Catalogue, store: Store) -> CustomSkill:
    from skill.builder import build_skill  # imported here so unrelated tests don't need it

    return build_skill(settings, catalogue=catalogue, store=store)


@pytest.fixture
def talk(skill: CustomSkill) -> Conversation:
    return Conversation(skill)
