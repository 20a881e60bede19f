"""Typed records the skill stores, each with a schema version.

Stores keep these as plain dicts/rows; these classes are the one place that knows their shape,
converting at the boundary (including DynamoDB's `Decimal` numbers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

CHECKIN_SCHEMA_VERSION = 1

LegTrend = Literal["further", "same", "closer"]
Profile = Literal["disc", "stenosis", "unsure"]
Pace = Literal["slow", "normal", "brisk"]


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, Decimal | float):
        return int(value)
    if isinstance(value, int):
        return value
    raise TypeError(f"expected a whole number, got {value!r}")


@dataclass(frozen=True)
class CheckinRecord:
    """One end-of-session pain check-in. Scores are NPRS 0-10, None when not given."""

    at: datetime
    routine_id: str
    profile: Profile
    pace: Pace
    pre_back: int | None
    pre_leg: int | None
    post_back: int | None
    post_leg: int | None
    leg_trend: LegTrend | None
    new_numbness: bool | None
    completed: bool = True
    schema_version: int = CHECKIN_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; `at` as an ISO 8601 UTC string."""
        data = asdict(self)
        data["at"] = self.at.astimezone(UTC).isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckinRecord:
        """Inverse of `to_dict`; accepts DynamoDB's Decimal numbers."""
        return cls(
            at=datetime.fromisoformat(str(data["at"])).astimezone(UTC),
            routine_id=str(data["routine_id"]),
            profile=data["profile"],
            pace=data["pace"],
            pre_back=_int_or_none(data.get("pre_back")),
            pre_leg=_int_or_none(data.get("pre_leg")),
            post_back=_int_or_none(data.get("post_back")),
            post_leg=_int_or_none(data.get("post_leg")),
            leg_trend=data.get("leg_trend"),
            new_numbness=data.get("new_numbness"),
            completed=bool(data.get("completed", True)),
            schema_version=int(data.get("schema_version", CHECKIN_SCHEMA_VERSION)),
        )
