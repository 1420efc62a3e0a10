from citrine_modules.firmware.module import FirmwareModule

__all__ = ["FirmwareModule"]
