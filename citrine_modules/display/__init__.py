from citrine_modules.display.module import DisplayModule

__all__ = ["DisplayModule"]
