"""Rules every model follows, checked on the metadata (no database needed)."""

from __future__ import annotations

from sqlalchemy.orm import configure_mappers

import citrine_data.models  # noqa: F401  (registers every table)
from citrine_data.base import Base

POSTGRES_MAX_IDENTIFIER = 63


def test_every_constraint_and_index_has_a_short_explicit_name() -> None:
    names = [
        str(name)
        for table in Base.metadata.tables.values()
        for name in [
            *(constraint.name for constraint in table.constraints),
            *(index.name for index in table.indexes),
        ]
    ]
    assert all(name and name != "None" for name in names)
    assert [name for name in names if len(name) > POSTGRES_MAX_IDENTIFIER] == []


def test_every_relationship_refuses_to_lazy_load() -> None:
    configure_mappers()
    lazy = [
        f"{mapper.class_.__name__}.{relationship.key}"
        for mapper in Base.registry.mappers
        for relationship in mapper.relationships
        if relationship.lazy != "raise"
    ]
    assert lazy == []


def test_every_foreign_key_leads_an_index() -> None:
    """PostgreSQL does not index foreign keys itself; cascades and joins need one."""
    missing = []
    for table in Base.metadata.tables.values():
        leading = {index.columns.values()[0].name for index in table.indexes}
        leading |= {
            constraint.columns.values()[0].name
            for constraint in table.constraints
            if hasattr(constraint, "columns")
            and constraint.columns
            and not constraint.name.startswith("fk_")  # type: ignore[union-attr]
        }
        missing += [
            f"{table.name}.{key.parent.name}"
            for key in table.foreign_keys
            if key.parent.name not in leading
        ]
    assert missing == []


def test_datetimes_are_aware() -> None:
    naive = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.type.python_type.__name__ == "datetime"
        and type(column.type).__name__ != "UTCDateTime"
    ]
    assert naive == []
