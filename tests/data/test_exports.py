"""The public names of the data layer, pinned so that a change to them is deliberate."""

from __future__ import annotations

import citrine_data
import citrine_data.models
import citrine_data.repositories


def test_package_exports() -> None:
    assert citrine_data.__all__ == [
        "Base",
        "Conflict",
        "DataError",
        "IntegrityViolation",
        "InvalidValue",
        "NotFound",
        "Page",
        "PoolSettings",
        "ReadSession",
        "Session",
        "SessionFactory",
        "UnitOfWork",
        "create_engine",
        "create_sessionmaker",
        "engine_from_config",
        "translate_errors",
        "unit_of_work",
    ]


def test_every_exported_name_exists() -> None:
    for module in (citrine_data, citrine_data.models, citrine_data.repositories):
        assert sorted(module.__all__) == sorted(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_every_repository_binds_to_a_session() -> None:
    for name in citrine_data.repositories.__all__:
        exported = getattr(citrine_data.repositories, name)
        if name.endswith("Repository"):
            assert issubclass(exported, citrine_data.repositories.Repository)
            assert hasattr(exported, "from_session")
