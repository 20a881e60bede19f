"""The interface every backend implements: the SDK's persistence adapter plus a check-in log."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.records import CheckinRecord


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
