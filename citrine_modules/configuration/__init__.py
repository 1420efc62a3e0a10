from citrine_modules.configuration.module import ConfigurationModule

__all__ = ["ConfigurationModule"]
