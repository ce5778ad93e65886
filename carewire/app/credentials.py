"""Credentials for outside systems, read from Airflow Connections.

Both the DAGs and the `carewire` command read them the same way: Airflow's secrets
backends, which include `AIRFLOW_CONN_<CONN_ID>` environment variables, so a
destination can be tried from a shell with nothing but that variable set.
"""

from __future__ import annotations

import logging
from typing import Iterable

from carewire.core.settings import Settings
from carewire.core.types import Credentials


def from_airflow(conn_ids: Iterable[str]) -> dict[str, Credentials]:
    """The Connections that exist; a missing one is left out (and logged): whatever needs
    it then fails with a message that names it."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    found = {}
    for conn_id in dict.fromkeys(conn_ids):
        try:
            conn = BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:
            logging.getLogger(__name__).warning(
                "Airflow Connection %r is not defined; create it with `airflow connections "
                "add %s ...` or set AIRFLOW_CONN_%s", conn_id, conn_id, conn_id.upper())
            continue
        found[conn_id] = Credentials(conn.login, conn.password, conn.extra_dejson)
    return found


def for_destinations(settings: Settings) -> dict[str, Credentials]:
    """The Connections of every configured routing destination that names one."""
    return from_airflow(d.conn_id for d in settings.routing.destinations if d.conn_id)


def for_replies(settings: Settings) -> dict[str, Credentials]:
    """The Connections of the brand's accounts replies are posted as: X, Reddit and every
    forum that names one."""
    return from_airflow([settings.sources.x.conn_id, settings.sources.reddit.conn_id,
                         *(forum.conn_id for forum in settings.sources.forums
                           if forum.conn_id)])
