from citrine_modules.webhooks.module import WebhooksModule

__all__ = ["WebhooksModule"]
