"""DynamoDB store: attributes through the ASK SDK's DynamoDbAdapter, check-ins in their own table.

The users table is keyed `id` (the HMAC user key) and holds the attributes map, exactly as the SDK
adapter lays it out. The check-ins table is keyed `user_key` + `at`, where `at` is the check-in
time (fixed-width UTC ISO 8601) plus a suffix that keeps two check-ins in the same microsecond
apart. DynamoDB returns every number as `Decimal` and refuses `float`: both are converted here so
callers see the same plain JSON types as with SQLite.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from typing import Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope
from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from skill.persistence.base import Store
from skill.persistence.keys import envelope_user_id, sortable_at, user_key
from skill.records import CheckinRecord

#: A boto3 DynamoDB service resource (boto3 ships no type hints).
DynamoDbResource = Any


class DynamoDbStore(Store):
    """Store backed by two DynamoDB tables, reached through the given boto3 resource."""

    def __init__(
        self, *, users_table: str, checkins_table: str, secret: bytes, resource: DynamoDbResource
    ) -> None:
        """Bind to the tables without touching the network; see `create_tables` for development."""
        self._secret = secret
        self._resource = resource
        self._users = resource.Table(users_table)
        self._checkins = resource.Table(checkins_table)
        self._adapter = _adapter_class(resource)(
            table_name=users_table,
            partition_key_name="id",
            attribute_name="attributes",
            create_table=False,
            partition_keygen=self._envelope_key,
            dynamodb_resource=resource,
        )

    def user_key(self, user_id: str) -> str:
        """Return the storage key for an Amazon user id (HMAC with this store's secret)."""
        return user_key(self._secret, user_id)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Return the user's persistent attributes, or {} for a user never saved."""
        return dict(_from_dynamodb(self._adapter.get_attributes(request_envelope)))

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the user's persistent attributes with `attributes` (a JSON-able dict)."""
        try:
            item = json.loads(json.dumps(attributes, allow_nan=False), parse_float=Decimal)
        except (TypeError, ValueError) as error:
            raise PersistenceException(f"attributes are not JSON-able: {error}") from error
        self._adapter.save_attributes(request_envelope, item)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user's persistent attributes (their check-ins stay; see `delete_user`)."""
        self._adapter.delete_attributes(request_envelope)

    def append_checkin(self, user_key: str, record: CheckinRecord) -> None:
        """Append one check-in to the user's log; never overwrites an existing one."""
        at = f"{sortable_at(record.at)}#{time.time_ns():x}{secrets.token_hex(3)}"
        item = {
            "user_key": user_key,
            "at": at,
            "record": record.to_dict(),
            "schema_version": record.schema_version,
        }
        with self._errors():
            self._checkins.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(#at)",
                ExpressionAttributeNames={"#at": "at"},
            )

    def recent_checkins(self, user_key: str, limit: int = 20) -> list[CheckinRecord]:
        """Return the user's newest `limit` check-ins, oldest first."""
        if limit <= 0:
            return []
        items: list[dict[str, Any]] = []
        for page in self._query(user_key, ScanIndexForward=False, Limit=limit):
            items.extend(page["Items"])
            if len(items) >= limit:
                break
        return [CheckinRecord.from_dict(item["record"]) for item in reversed(items[:limit])]

    def delete_user(self, user_key: str) -> None:
        """Delete every check-in of the user, then their attributes."""
        names = {"#user": "user_key", "#at": "at"}
        with self._errors():
            with self._checkins.batch_writer() as batch:
                for page in self._query(
                    user_key, ProjectionExpression="#user, #at", ExpressionAttributeNames=names
                ):
                    for item in page["Items"]:
                        batch.delete_item(Key={"user_key": item["user_key"], "at": item["at"]})
            self._users.delete_item(Key={"id": user_key})

    def create_tables(self) -> None:
        """Create both tables (on-demand billing) unless they exist, and wait until they do.

        For development and tests against DynamoDB Local or moto; production tables belong in
        infrastructure code.
        """
        client = self._resource.meta.client
        specs = {
            self._users.name: [("id", "HASH")],
            self._checkins.name: [("user_key", "HASH"), ("at", "RANGE")],
        }
        with self._errors():
            for name, keys in specs.items():
                with suppress(client.exceptions.ResourceInUseException):  # already there
                    client.create_table(
                        TableName=name,
                        KeySchema=[{"AttributeName": a, "KeyType": kind} for a, kind in keys],
                        AttributeDefinitions=[
                            {"AttributeName": a, "AttributeType": "S"} for a, _ in keys
                        ],
                        BillingMode="PAY_PER_REQUEST",
                    )
            waiter = client.get_waiter("table_exists")
            for name in specs:
                waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    def _envelope_key(self, request_envelope: RequestEnvelope) -> str:
        return self.user_key(envelope_user_id(request_envelope))

    def _query(self, user_key: str, **options: Any) -> Iterator[dict[str, Any]]:
        options = {"KeyConditionExpression": Key("user_key").eq(user_key), **options}
        with self._errors():
            while True:
                page: dict[str, Any] = self._checkins.query(ConsistentRead=True, **options)
                yield page
                if "LastEvaluatedKey" not in page:
                    return
                options["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise PersistenceException(f"DynamoDB store: {error}") from error


def _from_dynamodb(value: Any) -> Any:
    """Turn DynamoDB's Decimals back into ints (whole numbers) or floats, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_dynamodb(item) for item in value]
    return value


def _adapter_class(resource: DynamoDbResource) -> Any:
    """Import DynamoDbAdapter, which builds a default boto3 resource at import time.

    That default needs an AWS region even though we always pass our own resource, so when none is
    configured the import is retried with a default session borrowing the resource's region.
    """
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    except NoRegionError:
        saved = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = boto3.session.Session(
            region_name=resource.meta.client.meta.region_name
        )
        try:
            from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        finally:
            boto3.DEFAULT_SESSION = saved
    return DynamoDbAdapter
