from citrine_util.cache.memory import MemoryCache
from citrine_util.cache.redis import RedisCache

__all__ = ["MemoryCache", "RedisCache"]
