"""OCPP-J RPC: frames, error codes, payload validation and per-connection protocol state."""
