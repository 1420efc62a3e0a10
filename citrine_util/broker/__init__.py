from citrine_util.broker.memory import MemoryBroker
from citrine_util.broker.rabbitmq import RabbitMqBroker

__all__ = ["MemoryBroker", "RabbitMqBroker"]
