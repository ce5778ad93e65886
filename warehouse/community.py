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
