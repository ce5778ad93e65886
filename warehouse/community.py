"""The brand's own community spaces (`core__community_spaces`), from the config.

The community views (out__community_members, out__community_health, ...; migration 0016)
measure only the brand's own spaces: its Discourse forums and the subreddits it runs. A view
cannot read carewire.yaml, so, as tags.py does for brands and topics, the enrich step
rewrites this small table from the `community` section every run: a change of config shows
in the views at the next run, for every week alike.

    community:
      spaces: [kestrel-community, r/kestrelmobile]   # default: every configured forum

A forum is matched by its stream (a mention read by that stream is in it) and, for accepted
answers and answer offers, by the host name of its url; a subreddit by the mention's first
category (Reddit's subreddit), whichever stream found it.
"""

from __future__ import annotations

from typing import Any

import duckdb

from carewire.core.settings import Settings
from carewire.warehouse.db import transaction


def write_spaces(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """Rewrite `core__community_spaces` from the config; return the spaces' names."""
    spaces = settings.community_spaces()
    with transaction(con):
        con.execute("DELETE FROM core__community_spaces")
        if spaces:
            con.executemany("INSERT INTO core__community_spaces VALUES (?, ?, ?, ?, ?)",
                            spaces)
    return [space[0] for space in spaces]


def fact_sheets(con: duckdb.DuckDBPyConnection, cluster_id: str | None = None,
                alert_id: str | None = None) -> list[dict[str, Any]]:
    """The fact sheets posted, newest first; those about one cluster or alert if named."""
    rows = con.execute("""
        SELECT occurred_at, (data->>'cluster_id'), (data->>'alert_id'), (data->>'title'),
               (data->>'url'), actor
        FROM core__events WHERE kind = 'fact_sheet_posted'
          AND (?::VARCHAR IS NULL OR (data->>'cluster_id') = ?)
          AND (?::VARCHAR IS NULL OR (data->>'alert_id') = ?)
        ORDER BY occurred_at DESC""", [cluster_id, cluster_id, alert_id, alert_id]).fetchall()
    return [{"posted_at": at, "cluster_id": cluster, "alert_id": alert, "title": title,
             "url": url, "by": by} for at, cluster, alert, title, url, by in rows]
