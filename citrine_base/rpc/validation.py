"""Payload validation: pydantic errors translated into the OCPP-J error code of their kind.

================================================  =================================
what the schema check found                       CALLERROR code
================================================  =================================
a property the schema does not allow              FormatViolation
a required property missing; too few or too       OccurrenceConstraintViolation
many array items
a value of the wrong JSON type                    TypeConstraintViolation
a value out of its enum, length, range or         PropertyConstraintViolation
date-time format
================================================  =================================

When several problems are found, the first one reported decides the code; all of them (up to
a few) are listed in errorDetails so that a station's integrator can see what to fix.

Leniency is per station: real fleets contain chargers that add vendor fields or send ``null``
for absent optionals. A lenient validation removes exactly those problems and validates again,
so the strict path pays nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from citrine_base.ocpp.model import OcppModel
from citrine_base.rpc.errors import (
    FormatViolation,
    OccurrenceConstraintViolation,
    OcppError,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)

M = TypeVar("M", bound=OcppModel)

MAX_REPORTED_ERRORS = 5

_OCCURRENCE = frozenset({"missing", "too_short", "too_long"})
_ENUM = frozenset({"enum", "literal_error"})
_PROPERTY = frozenset(
    {
        "enum",
        "literal_error",
        "string_too_long",
        "string_too_short",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "datetime_parsing",
        "datetime_from_date_parsing",
        "timezone_aware",
        "finite_number",
        "value_error",
    }
)


@dataclass(frozen=True, slots=True)
class Leniency:
    """What a non-conformant station is forgiven. The default forgives nothing."""

    ignore_unknown_fields: bool = False
    drop_null_fields: bool = False

    @property
    def strict(self) -> bool:
        return not (self.ignore_unknown_fields or self.drop_null_fields)


STRICT = Leniency()


def validate_payload(model: type[M], payload_json: bytes, leniency: Leniency = STRICT) -> M:
    """Validate a payload (JSON text) against ``model``, raising the classified ``OcppError``."""
    if leniency.drop_null_fields:
        payload_json = orjson.dumps(_without_nulls(orjson.loads(payload_json)))
    try:
        return model.model_validate_json(payload_json)
    except ValidationError as exc:
        if not leniency.ignore_unknown_fields:
            raise classify(exc) from None
        errors = exc.errors()
        if any(error["type"] != "extra_forbidden" for error in errors):
            raise classify(exc) from None
    payload = orjson.loads(payload_json)
    for error in errors:
        _remove_at(payload, error["loc"])
    try:
        return model.model_validate_json(orjson.dumps(payload))
    except ValidationError as exc:
        raise classify(exc) from None


def classify(exc: ValidationError) -> OcppError:
    """The OCPP error for a pydantic validation failure."""
    errors = exc.errors(include_url=False)
    details = {"errors": [_describe(error) for error in errors[:MAX_REPORTED_ERRORS]]}
    first = errors[0]
    cls = _error_class(first)
    return cls(f"{_describe(first)}", details)


def _error_class(error: ErrorDetails) -> type[OcppError]:
    kind = error["type"]
    if kind == "extra_forbidden":
        return FormatViolation
    if kind == "null_value":
        return TypeConstraintViolation
    if kind in _OCCURRENCE:
        return OccurrenceConstraintViolation
    if kind in _ENUM and not isinstance(error.get("input"), str):
        return TypeConstraintViolation  # an enum is a string: 5 is the wrong type, not value
    if kind in _PROPERTY:
        return PropertyConstraintViolation
    if kind.endswith(("_type", "_parsing")):
        return TypeConstraintViolation
    return FormatViolation


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "payload"
    return f"{where}: {error['msg']}"


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _remove_at(payload: Any, loc: tuple[int | str, ...]) -> None:
    if not loc:  # raised by a model-level check; nothing to remove at a place
        return
    target = payload
    for part in loc[:-1]:
        target = target[part]
    if isinstance(target, dict):
        target.pop(loc[-1], None)
