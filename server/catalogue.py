"""The modules this server can run, by name (``--modules`` / ``CITRINE_MODULES``)."""

from __future__ import annotations

from collections.abc import Mapping

from citrine_base.decorators import HANDLER_ATTRIBUTE
from citrine_base.ocpp.registry import ActionSpec
from citrine_modules.certificates import CertificatesModule
from citrine_modules.configuration import ConfigurationModule
from citrine_modules.deps import CsmsModule
from citrine_modules.diagnostics import DiagnosticsModule
from citrine_modules.display import DisplayModule
from citrine_modules.evdriver import EvDriverModule
from citrine_modules.firmware import FirmwareModule
from citrine_modules.monitoring import MonitoringModule
from citrine_modules.reporting import ReportingModule
from citrine_modules.smart_charging import SmartChargingModule
from citrine_modules.station_security import StationSecurityModule
from citrine_modules.stations import StationsModule
from citrine_modules.transactions import TransactionsModule
from citrine_modules.webhooks import WebhooksModule

MODULES: dict[str, type[CsmsModule]] = {
    module.name: module
    for module in (
        CertificatesModule,
        ConfigurationModule,
        DiagnosticsModule,
        DisplayModule,
        EvDriverModule,
        FirmwareModule,
        MonitoringModule,
        ReportingModule,
        SmartChargingModule,
        StationSecurityModule,
        StationsModule,
        TransactionsModule,
        WebhooksModule,
    )
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


def handled_actions(actions: Mapping[str, ActionSpec]) -> frozenset[str]:
    """The station actions some module of the catalogue handles, whether it runs in this
    process or in a worker (read from the classes: no module is built)."""
    handled: set[str] = set()
    for module in MODULES.values():
        for name in dir(module):
            action = getattr(getattr(module, name), HANDLER_ATTRIBUTE, None)
            if isinstance(action, str) and action in actions:
                handled.add(action)
    return frozenset(handled)
