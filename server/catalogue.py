"""The modules this server can run, by name (``--modules`` / ``CITRINE_MODULES``)."""

from __future__ import annotations

from citrine_modules.configuration import ConfigurationModule
from citrine_modules.deps import CsmsModule
from citrine_modules.reporting import ReportingModule
from citrine_modules.stations import StationsModule

MODULES: dict[str, type[CsmsModule]] = {
    module.name: module for module in (ConfigurationModule, ReportingModule, StationsModule)
}


class UnknownModule(Exception):
    pass


def select_modules(names: list[str] | None) -> list[type[CsmsModule]]:
    """The module classes to run; ``None`` means all of them."""
    if names is None:
        return list(MODULES.values())
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        raise UnknownModule(f"Unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
    return [MODULES[name] for name in names]
