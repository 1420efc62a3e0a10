"""The base class of every generated OCPP message model, and the wire types they share.

The models are generated from the official OCA JSON schemas (see ``scripts/generate_models.py``).
They must accept exactly what the schemas accept, so the configuration is strict:

* ``strict=True``: no coercion ("1" is not an integer, 1 is not a string). Payloads are
  validated from JSON text (``model_validate_json``), where strict mode still parses RFC 3339
  strings into ``datetime`` and enum values into enum members.
* ``extra="forbid"``: the schemas say ``additionalProperties: false`` everywhere except
  ``CustomDataType``, which overrides this.
* ``null`` on the wire is refused: the schemas never allow it, and OCPP-J says an absent
  optional is left out. Python code may still pass ``None`` for an absent optional.
* Python attribute names are snake_case; the wire name is the schema's camelCase, kept as the
  field alias by the generator (never derived by string surgery).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError


def format_date_time(value: datetime) -> str:
    """RFC 3339 in UTC with at most three fractional digits (OCPP 2.0.1 Part 2 §2.1.4)."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


OcppDateTime = Annotated[AwareDatetime, PlainSerializer(format_date_time, when_used="json")]
"""An OCPP ``dateTime``: timezone-aware on the way in, UTC with 'Z' on the way out."""


class OcppModel(BaseModel):
    """Base of every OCPP payload and datatype model."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    nullable_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields whose schema has no type (DataTransfer ``data``), where null is a valid value."""

    @model_validator(mode="after")
    def _refuse_null_on_the_wire(self, info: ValidationInfo) -> Self:
        # Defaults are not validated, so a field in model_fields_set holding None was sent as
        # an explicit null. Only JSON input is checked: that is where the schema applies.
        if info.mode == "json":
            fields = type(self).model_fields
            for name in self.model_fields_set:
                if (
                    name in fields
                    and name not in self.nullable_fields
                    and getattr(self, name) is None
                ):
                    alias = fields[name].alias or name
                    raise PydanticCustomError(
                        "null_value", "{field} is null; leave it out instead", {"field": alias}
                    )
        return self

    def to_wire(self) -> dict[str, Any]:
        """The payload as JSON-ready data: camelCase keys, absent optionals left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class OcppOpenModel(OcppModel):
    """A model where ``null`` is a real value: CustomData (any vendor property) and the
    untyped ``data`` of DataTransfer. ``to_wire`` leaves out absent optionals by dropping
    ``None``; here the nulls that were sent are written back."""

    @model_serializer(mode="wrap")
    def _keep_sent_nulls(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        fields = type(self).model_fields
        for name in self.nullable_fields & self.model_fields_set:
            if getattr(self, name) is None:
                data[fields[name].alias or name] = None
        for key, value in (self.__pydantic_extra__ or {}).items():
            if value is None:
                data[key] = None
        return data
