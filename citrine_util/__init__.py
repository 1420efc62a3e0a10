"""Implementations of the interfaces of ``citrine_base``: caches, brokers, networking helpers."""
