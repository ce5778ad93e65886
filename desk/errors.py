"""The desk's own error, apart from the modules that raise it (the store, the outbox)."""

from carewire.core.errors import CarewireError


class DeskError(CarewireError):
    """A desk action that cannot be done as asked; the message says why and what to do."""
