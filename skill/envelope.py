"""Reading an Alexa request envelope from raw bytes, strictly, before the SDK sees it.

Bad input of any kind becomes `EnvelopeError` with a short reason the web layer answers with 400:
strict UTF-8 JSON with finite numbers, the required fields, and every field the SDK's model knows
in the right shape, so that `DefaultSerializer` never meets input it was not written for.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from datetime import datetime
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_model.request_envelope import RequestEnvelope

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

ENVELOPE_TYPE: Final = "ask_sdk_model.request_envelope.RequestEnvelope"

_LIST_TYPE: Final = re.compile(r"list\[(.+)\]\Z")
_DICT_TYPE: Final = re.compile(r"dict\(([^,]*), (.+)\)\Z")
_SCALAR_TYPES: Final = frozenset({"str", "int", "float", "bool", "datetime", "date"})
#: What DefaultSerializer may raise on input it was not written for.
_SERIALIZER_ERRORS: Final = (
    SerializationException,
    TypeError,
    AttributeError,
    ValueError,
    KeyError,
    RecursionError,
)


class EnvelopeError(ValueError):
    """The request body is not a usable Alexa request envelope; the message is a short reason."""


def parse_envelope(body: bytes, skill: CustomSkill) -> tuple[str, RequestEnvelope]:
    """Turn raw body bytes into (request type, RequestEnvelope), or raise EnvelopeError.

    The JSON must be strict UTF-8 with finite numbers, an object with a version and a request
    carrying type, requestId and an ISO 8601 timestamp with a time zone; every field the SDK's
    model knows must have the right shape, and polymorphic parts a known `type`. Only then does
    the SDK's serializer see it, and anything it still raises is mapped to EnvelopeError too.
    """
    data, text = _load_json(body)
    request_type = _check_required(data)
    _check_shape(data, ENVELOPE_TYPE, "envelope")
    try:
        envelope = skill.serializer.deserialize(payload=text, obj_type=RequestEnvelope)
    except _SERIALIZER_ERRORS as exc:
        raise EnvelopeError("request envelope could not be read") from exc
    if not isinstance(envelope, RequestEnvelope):
        raise EnvelopeError("request envelope could not be read")
    return request_type, envelope


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _load_json(body: bytes) -> tuple[dict[str, Any], str]:
    if not body.strip():
        raise EnvelopeError("request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError("request body is not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise EnvelopeError("request body is nested too deeply") from None
    except ValueError:
        raise EnvelopeError("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise EnvelopeError("request body is not a JSON object")
    return data, text


def _check_required(data: dict[str, Any]) -> str:
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise EnvelopeError("version is missing")
    req = data.get("request")
    if not isinstance(req, dict):
        raise EnvelopeError("request is missing")
    for field in ("type", "requestId", "timestamp"):
        value = req.get(field)
        if not isinstance(value, str) or not value.strip():
            raise EnvelopeError(f"request.{field} is missing")
    try:
        timestamp = datetime.fromisoformat(req["timestamp"])
    except ValueError:
        raise EnvelopeError("request.timestamp is not ISO 8601") from None
    if timestamp.tzinfo is None:
        raise EnvelopeError("request.timestamp has no time zone")
    request_type: str = req["type"]
    return request_type


@cache
def _model_class(type_name: str) -> type[Any]:
    module_name, _, class_name = type_name.rpartition(".")
    model: type[Any] = getattr(importlib.import_module(module_name), class_name)
    return model


def _check_shape(value: Any, type_name: str, where: str) -> None:
    """Check `value` against an ask_sdk_model type the way DefaultSerializer will read it."""
    if value is None or type_name == "object":
        return
    if match := _LIST_TYPE.match(type_name):
        if not isinstance(value, list):
            raise EnvelopeError(f"{where} must be a list")
        for index, item in enumerate(value):
            _check_shape(item, match.group(1), f"{where}[{index}]")
    elif match := _DICT_TYPE.match(type_name):
        if not isinstance(value, dict):
            raise EnvelopeError(f"{where} must be an object")
        for key, item in value.items():
            _check_shape(item, match.group(2), f"{where}.{key}")
    elif type_name in _SCALAR_TYPES:
        if isinstance(value, dict | list):
            raise EnvelopeError(f"{where} must be a {type_name}")
    else:
        _check_model(value, _model_class(type_name), where)


def _check_model(value: Any, model: type[Any], where: str) -> None:
    if issubclass(model, Enum):
        if isinstance(value, dict | list) or value not in {m.value for m in model}:
            raise EnvelopeError(f"{where} has an unknown value")
        return
    if not isinstance(value, dict):
        raise EnvelopeError(f"{where} must be an object")
    if hasattr(model, "get_real_child_model"):
        key: str = model.json_discriminator_key
        kind = value.get(key)
        child = model.discriminator_value_class_map.get(kind) if isinstance(kind, str) else None
        if child is None:
            raise EnvelopeError(f"{where}.{key} is missing or unknown")
        model = _model_class(child)
    types: dict[str, str] = getattr(model, "deserialized_types", {})
    names: dict[str, str] = getattr(model, "attribute_map", {})
    json_names = {names.get(attr, attr): attr for attr in types}
    for key, item in value.items():
        attr = json_names.get(key)
        if attr is not None:
            _check_shape(item, types[attr], f"{where}.{key}")
        elif key.startswith("_") or key in types or hasattr(model, key):
            # The serializer would setattr these over the model's own attributes.
            raise EnvelopeError(f"{where}.{key} is not allowed")


def application_id(envelope: RequestEnvelope) -> str | None:
    """The skill a request is addressed to, from context.System (where Alexa always puts it)."""
    system = envelope.context.system if envelope.context is not None else None
    application = system.application if system is not None else None
    found = application.application_id if application is not None else None
    return found if isinstance(found, str) else None
