"""One package per OCPP functional block; ``ocpp_router`` holds the station connections."""
