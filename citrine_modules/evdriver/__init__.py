"""EVDriver module (blocks C, D, H): authorization, local lists, reservations, remote control."""
