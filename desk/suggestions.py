"""Suggested replies: what the brand already answered to questions like this item's.

Offline and retrieved, never generated: every suggestion is a text someone really wrote
before, read from the analyst snapshot, and it says where it came from. The earlier
answers are of three kinds:

- a reply an agent sent from the desk (the desk's `replied` events, with their text), with
  the rating the customer gave that item, when one was recorded;
- the accepted answer of a community thread (the excerpt Discourse gives, and the link);
- a reply the brand's own accounts posted on the platform (a mention by a `brand`-tier
  author that answers another post): the sources bring these in like any mention, so a
  desk has the brand's knowledge from its first run.

Each answer belongs to the question(s) it answered: the mentions of its delivery, or the
post it answers. The item's first mention is compared with those questions by the cosine
of the dedupe embeddings already in core__embeddings (unit length: a dot product), in SQL;
only the embeddings of the SEARCHED most recent answers are read, so a page's cost
follows the answers kept, not the size of the warehouse. Not suggested: the item's own
answers (its mention, and every delivery it is in), the replies of answer-offer items
(carewire's own template, not the brand's words), and the other replies of a community
thread (they include "me too" and new questions; its accepted answer is the one the
community vouched for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from carewire.core.errors import WarehouseError
from carewire.desk.context import current_id
from carewire.warehouse.db import connect, records

LIMIT = 3
"""Suggestions offered above the reply box, best first."""

SIMILAR = 0.5
"""The cosine between the item's post and an answered question at or above which that
question's answer is offered. Chosen by replaying real brand replies (`make eval
suggestions`, docs/replies.md): on the demo sample and on the twcs pairs, 0.5 still finds
every suggestion close to the reply then sent (cosine >= 0.7) that 0.4 or 0.45 find, and
offers fewer that are not; at 0.55, three of the four close ones in twcs are lost. It is
below the dedupe's paraphrase cosine (0.61): a question need not be the same issue for its
answer to help, and the agent reads the suggestion before using it."""

SEARCHED = 10_000
"""The most recent answers compared with the item on each item page load: the bound that
keeps the page quick whatever the warehouse's size (`make bench`, docs/replies.md). At
1,000 answers a day that is the last ten days; an answer the brand keeps giving stays in."""

_ANSWERS = """
WITH own AS (  -- every delivery the item's post is in: its own answers are no suggestion
    SELECT delivery_key FROM core__delivery_mentions WHERE source = $source AND source_id = $id
),
ratings AS (
    SELECT delivery_key, arg_max(data->>'score', occurred_at) AS score
    FROM core__events WHERE kind = 'rated' GROUP BY delivery_key
),
answers AS (
    SELECT d.source, d.source_id, (e.data->>'text') AS text, e.actor AS author,
           NULL AS url, r.score, NULL AS platform, e.occurred_at AS answered_at
    FROM core__events e
    JOIN core__deliveries v ON v.delivery_key = e.delivery_key AND v.route <> 'answer_offer'
    JOIN core__delivery_mentions d ON d.delivery_key = e.delivery_key
    LEFT JOIN ratings r ON r.delivery_key = e.delivery_key
    WHERE e.kind = 'replied' AND e.destination = 'desk'
      AND e.delivery_key NOT IN (SELECT delivery_key FROM own)
    UNION ALL
    SELECT d.source, d.source_id, (e.data->>'excerpt'), (e.data->>'username'),
           (e.data->>'url'), NULL, NULL, e.occurred_at
    FROM core__events e
    JOIN core__delivery_mentions d ON d.delivery_key = e.delivery_key
    WHERE e.kind = 'accepted_answer' AND e.delivery_key NOT IN (SELECT delivery_key FROM own)
    UNION ALL
    SELECT a.source, a.parent_id, a.text, b.handle, a.url, NULL, a.source, a.created_at
    FROM core__mentions a
    JOIN core__author_influence b ON b.source = a.source AND b.author_id = a.author_id
    WHERE b.tier = 'brand' AND a.parent_id IS NOT NULL AND NOT a.is_deleted
),
asked AS (
    SELECT embedding, encoder_version FROM core__embeddings
    WHERE source = $source AND source_id = $id
),
searched AS (  -- keys only: the embeddings of these rows alone are read below
    SELECT a.*, x.rowid AS vector FROM answers a
    JOIN core__embeddings x ON x.source = a.source AND x.source_id = a.source_id
    WHERE NOT (a.source = $source AND a.source_id = $id)
      AND ($before IS NULL OR a.answered_at < $before)
    ORDER BY a.answered_at DESC LIMIT $searched
),
scored AS (
    SELECT s.*, list_dot_product(x.embedding, asked.embedding) AS similarity,
           -- the addressees of a post on X are the platform's doing, not the answer
           trim(regexp_replace(s.text, '^(\\s*@\\w+)+', '')) AS answer
    FROM searched s
    JOIN core__embeddings x ON x.rowid = s.vector
    CROSS JOIN asked
    WHERE x.encoder_version = asked.encoder_version
)
SELECT answer, similarity, author, url, score, platform FROM scored
WHERE similarity >= $at_least
QUALIFY row_number() OVER (PARTITION BY lower(answer)
                           ORDER BY similarity DESC, answered_at DESC) = 1 AND answer <> ''
ORDER BY similarity DESC, answered_at DESC
LIMIT $limit
"""


@dataclass(frozen=True)
class Suggestion:
    text: str
    similarity: float
    came_from: str
    """Where the text was written: "accepted answer in thread URL", "reply by ann to a
    similar question, rated 5", "reply by KestrelHelp on x to a similar question"."""
    url: str | None = None
    """The thread or post the text came from, when it has one."""


def suggestions(snapshot: Path, source: str, source_id: str,
                limit: int = LIMIT) -> list[Suggestion] | str:
    """Up to `limit` earlier answers to questions similar to the post, best first, or the
    reason none can be looked for (no snapshot yet, the post not enriched yet)."""
    try:
        with connect(snapshot, read_only=True) as con:
            return suggest(con, source, current_id(con, source, source_id), limit)
    except WarehouseError as exc:
        return str(exc)


def suggest(con, source: str, source_id: str, limit: int = LIMIT, at_least: float = SIMILAR,
            before: datetime | None = None) -> list[Suggestion] | str:
    """`suggestions` on an open warehouse connection. `before` keeps only the answers
    given before that moment, so `make eval` can replay a brand's history reply by reply."""
    if not con.execute("SELECT 1 FROM core__embeddings WHERE source = ? AND source_id = ?",
                       [source, source_id]).fetchone():
        return (f"{source}:{source_id} has no embedding in the analyst snapshot yet: "
                "suggestions appear after the next process run")
    rows = records(con, _ANSWERS, {"source": source, "id": source_id, "before": before,
                                   "at_least": at_least, "limit": limit,
                                   "searched": SEARCHED})
    return [Suggestion(row["answer"], row["similarity"], _came_from(row), row["url"])
            for row in rows]


def _came_from(row: dict) -> str:
    if row["platform"]:
        return f"reply by {row['author']} on {row['platform']} to a similar question"
    if row["url"]:
        return f"accepted answer in thread {row['url']}"
    rated = f", rated {row['score']}" if row["score"] is not None else ""
    return f"reply by {row['author']} to a similar question{rated}"
