"""Persistence: the user's attributes and their check-in log, behind one `Store` interface.

A store is an ask-sdk `AbstractPersistenceAdapter` (persistent attributes, keyed by an HMAC of the
Amazon user id) plus an append-only check-in log. Two backends: SQLite for self-hosting (default)
and DynamoDB for Lambda. The raw Amazon user id is never written to either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.config import ConfigError, Settings
from skill.persistence.base import Store
from skill.persistence.keys import SECRET_FILE_NAME, load_or_create_secret, user_key
from skill.persistence.sqlite import SqliteStore

if TYPE_CHECKING:
    from skill.persistence.dynamodb import DynamoDbStore

__all__ = [
    "DynamoDbStore",
    "SqliteStore",
    "Store",
    "build_store",
    "load_or_create_secret",
    "user_key",
]


def __getattr__(name: str) -> Any:
    # DynamoDB (and boto3, about 100 ms to import) loads only when asked for.
    if name == "DynamoDbStore":
        from skill.persistence.dynamodb import DynamoDbStore

        return DynamoDbStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        import boto3
        from botocore.exceptions import NoRegionError

        from skill.persistence.dynamodb import DynamoDbStore

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
