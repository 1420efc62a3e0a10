from citrine_modules.stations.module import StationsModule

__all__ = ["StationsModule"]
