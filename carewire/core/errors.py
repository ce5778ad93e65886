"""Every error carewire raises on purpose, in one place.

Each message says what happened *and what to do about it*, because the person reading it
is usually an operator looking at an Airflow task log, not the author of the code.

    CarewireError
    ├── ConfigError            the settings or the config file are wrong
    ├── SourceError            a platform call failed (carries source and stream)
    │   ├── RetriableSourceError   try again later: 429, 5xx, network trouble
    │   └── FatalSourceError       retrying will not help: 404, bad URL, other 4xx
    │       ├── AuthError              401/403: names the Airflow Connection to fix
    │       └── ReplyRefused           the platform will not take a reply (its own words)
    ├── LandingError           a landing file cannot be read (it names the file)
    └── WarehouseError         the DuckDB warehouse cannot be opened or migrated
"""

from __future__ import annotations


class CarewireError(Exception):
    """Base class: catch this to handle anything carewire raised deliberately."""


class ConfigError(CarewireError):
    """The configuration is missing or invalid."""


class SourceError(CarewireError):
    """A call to a platform failed."""

    def __init__(self, message: str, *, source: str, stream: str | None = None):
        where = f"{source}/{stream}" if stream else source
        super().__init__(f"[{where}] {message}")
        self.source = source
        self.stream = stream


class RetriableSourceError(SourceError):
    """The platform may answer later (rate limit, server error, network); retry the task."""

    def __init__(self, message: str, *, source: str, stream: str | None = None,
                 retry_after_s: float | None = None):
        super().__init__(message, source=source, stream=stream)
        self.retry_after_s = retry_after_s
        """Seconds the platform asked to wait (Retry-After, x-rate-limit-reset), if it did."""


class FatalSourceError(SourceError):
    """Retrying the same request will fail again; the configuration must change."""


class AuthError(FatalSourceError):
    """The platform refused the credentials (HTTP 401/403)."""


class ReplyRefused(FatalSourceError):
    """The platform will not take this reply: the post is deleted, the thread locked, the
    text a duplicate. The message carries the platform's own words."""


class LandingError(CarewireError):
    """A landing file cannot be read; the message names it and says what to do."""


class WarehouseError(CarewireError):
    """The warehouse cannot be used as it is (locked, or migrations out of order)."""
