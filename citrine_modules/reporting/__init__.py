from citrine_modules.reporting.module import ReportingModule

__all__ = ["ReportingModule"]
