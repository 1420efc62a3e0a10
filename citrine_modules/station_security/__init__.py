from citrine_modules.station_security.module import StationSecurityModule

__all__ = ["StationSecurityModule"]
