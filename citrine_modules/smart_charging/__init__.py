"""Smart charging (block K): charging profiles, composite schedules, external limits, ISO 15118
charging needs, and the site limit shared among a location's transactions."""

from citrine_modules.smart_charging.module import SmartChargingModule

__all__ = ["SmartChargingModule"]
