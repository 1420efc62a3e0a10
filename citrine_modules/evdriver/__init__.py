"""EVDriver module (blocks C, D, H, F): authorization, local lists, reservations, remote control."""

from citrine_modules.evdriver.module import EvDriverModule

__all__ = ["EvDriverModule"]
