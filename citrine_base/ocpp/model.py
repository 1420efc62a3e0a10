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

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

# RFC 3339 section 5.6 ``date-time``; pydantic alone also reads ISO 8601 forms (a space for
# the T, no seconds, "+0100", a decimal comma, Unix times) that the schema's format forbids.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339_only(value: Any) -> Any:
    """Parse wire text ourselves: only RFC 3339, never the wider ISO 8601 pydantic reads."""
    if not isinstance(value, str):
        return value
    if _RFC3339.fullmatch(value):
        try:
            return datetime.fromisoformat(value.upper())
        except ValueError:  # a well-formed text naming no real instant (month 13, ...)
            pass
    raise PydanticCustomError(
        "datetime_parsing", "Input is not an RFC 3339 date-time: {input}", {"input": value}
    )


def format_date_time(value: datetime) -> str:
    """RFC 3339 in UTC with at most three fractional digits (OCPP 2.0.1 Part 2 §2.1.4).

    At the two ends of the calendar the instant may have no UTC form (0001-01-01T00:30+01:00
    is in year 0 in UTC); it is then written with its own offset, which is still RFC 3339.
    """
    offset = value.utcoffset() or timedelta(0)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        suffix = _format_offset(offset)
    else:
        suffix = "Z"
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond >= 1000:
        text += f".{value.microsecond // 1000:03d}"
    return text + suffix


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


OcppDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_only),
    PlainSerializer(format_date_time, when_used="json"),
]
"""An OCPP ``dateTime``: RFC 3339 and timezone-aware on the way in, UTC 'Z' on the way out."""


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

    _python_only_names: ClassVar[frozenset[str]] = frozenset()
    """Python names that differ from their wire alias: accepted from code, refused on the wire."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._python_only_names = frozenset(
            name
            for name, field in cls.model_fields.items()
            if field.alias is not None and field.alias != name
        )

    @model_validator(mode="before")
    @classmethod
    def _refuse_python_names_on_the_wire(cls, data: Any, info: ValidationInfo) -> Any:
        # validate_by_name lets code write ``Model(current_time=...)``; pydantic applies it to
        # JSON input too, where the schema knows only the camelCase name.
        if info.mode == "json" and cls._python_only_names and isinstance(data, dict):
            for key in data:
                if key in cls._python_only_names:
                    raise PydanticCustomError(
                        "extra_forbidden",
                        "{field} is not a property of this message (the wire name is camelCase)",
                        {"field": key},
                    )
        return data

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
