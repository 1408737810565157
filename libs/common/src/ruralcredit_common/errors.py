"""Errors that mean the process cannot start: shown as one clear line, not a traceback."""


class StartupError(RuntimeError):
    """A configuration or dependency problem found while starting a service."""


class PermanentEventError(ValueError):
    """An event that can never be applied (bad shape, unknown reference): goes to the DLQ."""
