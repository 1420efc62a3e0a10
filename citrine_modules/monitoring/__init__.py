from citrine_modules.monitoring.module import MonitoringModule

__all__ = ["MonitoringModule"]
