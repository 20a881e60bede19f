"""Persistence: the user's attributes and their check-in log, behind one `Store` interface.

A store is an ask-sdk `AbstractPersistenceAdapter` (persistent attributes, keyed by an HMAC of the
Amazon user id) plus an append-only check-in log. Two backends: SQLite for self-hosting (default)
and DynamoDB for Lambda. The raw Amazon user id is never written to either.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

import boto3
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model.request_envelope import RequestEnvelope
from botocore.exceptions import NoRegionError

from skill.config import ConfigError, Settings
from skill.records import CheckinRecord

__all__ = [
    "DynamoDbStore",
    "SqliteStore",
    "Store",
    "build_store",
    "load_or_create_secret",
    "user_key",
]


class Store(AbstractPersistenceAdapter, metaclass=ABCMeta):
    """A backend: the SDK's persistence adapter plus the user's check-in log.

    Being an `AbstractPersistenceAdapter`, a store goes straight into the skill builder. Storage
    failures raise `ask_sdk_core.exceptions.PersistenceException`, as the SDK's adapters do.
    """

    @abstractmethod
    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Return the user's persistent attributes, or {} for a user never saved."""

    @abstractmethod
    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the user's persistent attributes with `attributes` (a JSON-able dict)."""

    @abstractmethod
    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user's persistent attributes (their check-ins stay; see `delete_user`)."""

    @abstractmethod
    def user_key(self, user_id: str) -> str:
        """Return the storage key for an Amazon user id."""

    @abstractmethod
    def append_checkin(self, user_key: str, record: CheckinRecord) -> None:
        """Append one check-in to the user's log."""

    @abstractmethod
    def recent_checkins(self, user_key: str, limit: int = 20) -> list[CheckinRecord]:
        """Return the user's newest `limit` check-ins, oldest first ([] when `limit` <= 0)."""

    @abstractmethod
    def delete_user(self, user_key: str) -> None:
        """Delete the user's attributes and every check-in of theirs."""

    def close(self) -> None:
        """Release what the store holds open; nothing by default."""


# The backends subclass Store, so they are imported once it exists.
from skill.persistence.dynamodb import DynamoDbStore  # noqa: E402
from skill.persistence.keys import SECRET_FILE_NAME, load_or_create_secret, user_key  # noqa: E402
from skill.persistence.sqlite import SqliteStore  # noqa: E402


def build_store(settings: Settings) -> Store:
    """Build the store `settings` ask for: SQLite (the default) or DynamoDB.

    SQLite without `user_key_secret` uses (creating on first start) `user-key.secret` beside the
    database. DynamoDB needs the secret and an AWS region from the environment (Lambda sets
    AWS_REGION); it talks to `dynamodb_endpoint` when set (DynamoDB Local, moto). Build a
    DynamoDB store after any fork (boto3 connections must not cross one); a SQLite store opens
    its own connections in each process.
    """
    if settings.store == "dynamodb":
        if not settings.user_key_secret:
            raise ConfigError(
                "GENTLE_BACK_USER_KEY_SECRET: required when GENTLE_BACK_STORE=dynamodb"
            )
        try:
            # A session of its own: boto3's module-level default session is shared global state.
            resource = boto3.session.Session().resource(
                "dynamodb", endpoint_url=settings.dynamodb_endpoint
            )
        except NoRegionError as error:
            raise ConfigError("AWS_REGION: required when GENTLE_BACK_STORE=dynamodb") from error
        return DynamoDbStore(
            users_table=settings.dynamodb_table,
            checkins_table=settings.dynamodb_checkins_table,
            secret=settings.user_key_secret,
            resource=resource,
        )
    secret = settings.user_key_secret or load_or_create_secret(
        settings.sqlite_path.parent / SECRET_FILE_NAME
    )
    return SqliteStore(settings.sqlite_path, secret)
