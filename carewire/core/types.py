"""Types every layer shares: UTC moments, a run's data interval, credentials a DAG read,
and the one JSON encoding of platform payloads. Plain Python; nothing of carewire."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping


def utc(value: datetime) -> datetime:
    """A plain `datetime` in UTC; naive values are taken to be UTC already.

    Always a stdlib `datetime`, never a subclass: Airflow hands tasks pendulum DateTimes,
    and pendulum arithmetic on one whose tzinfo is `timezone.utc` returns a naive value
    (`start - timedelta(hours=1)` then fails to compare with an aware one).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond, tzinfo=timezone.utc)


_KEY = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Lake:
    """A DuckLake warehouse (warehouse/lake.py): its catalog, as DuckLake names one
    (`postgres:dbname=carewire host=db user=carewire`), and the folder or object-store
    prefix its Parquet files go under."""

    catalog: str
    data_path: str
    published: bool = False
    """The analysts' view of it: read-only, at the snapshot the last publish committed
    (`Settings.snapshot`), instead of the newest."""

    def __str__(self) -> str:
        at = ", at its published snapshot" if self.published else ""
        return f"ducklake:{self.safe_catalog} (data {self.data_path}{at})"

    @property
    def safe_catalog(self) -> str:
        """The catalog for messages and logs: a password in it is not shown."""
        return re.sub(r"(password\s*=\s*)\S+", r"\1***", self.catalog, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Interval:
    """The data interval of a run. It keys landing batches and cursors; never `now()`."""

    start: datetime
    end: datetime

    def __post_init__(self):
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))
        if self.end < self.start:
            raise ValueError(f"interval ends ({self.end}) before it starts ({self.start})")

    @property
    def key(self) -> str:
        """File-name-safe and sortable: 20261124T0800Z--20261124T0900Z."""
        return f"{self.start:{_KEY}}--{self.end:{_KEY}}"

    @classmethod
    def from_key(cls, key: str) -> "Interval":
        """The interval a `key` names; ValueError when it names none."""
        start, sep, end = key.partition("--")
        if not sep:
            raise ValueError(f"{key!r} is not an interval key")
        return cls(*(datetime.strptime(moment, _KEY).replace(tzinfo=timezone.utc)
                     for moment in (start, end)))

    @classmethod
    def hour_before(cls, moment: datetime) -> "Interval":
        """The last whole hour that ended at or before `moment`."""
        end = utc(moment).replace(minute=0, second=0, microsecond=0)
        return cls(end - timedelta(hours=1), end)


@dataclass(frozen=True)
class Credentials:
    """What a DAG read from an Airflow Connection; connectors never look them up."""

    login: str | None = None
    password: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def json_default(value: Any) -> Any:
    """JSON for the odd types platform payloads carry (timestamps, bytes, sets)."""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False, sort_keys=True)
