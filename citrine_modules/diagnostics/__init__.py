from citrine_modules.diagnostics.module import DiagnosticsModule

__all__ = ["DiagnosticsModule"]
