from citrine_modules.ocpp_router.module import OcppRouter

__all__ = ["OcppRouter"]
