"""The composition root: configuration, backends, modules, the FastAPI app and the CLI."""
