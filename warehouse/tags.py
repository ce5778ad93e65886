"""Brand and topic tags for every mention (`core__mention_tags`): what the dashboards'
volume, sentiment and share-of-voice views group by.

Why the whole table is rewritten from the config on every enrich run rather than tagged once
at load: brands and topics are configuration that analysts change (a new topic, a
competitor added). Tags that followed only new mentions would count the weeks before a
change differently from the weeks after. One regular expression per brand and per topic,
run by DuckDB over all mentions, costs about a second per 100,000 mentions, and the
same config and mentions give the same rows.

The rules:
- A mention names a brand when the brand's name, one of its keywords or one of its handles
  (with or without the @) appears in its title or text as whole words, in any case.
- A mention that names no own (non-competitor) brand is also tagged with the first own
  brand: carewire searches only for the own brands' keywords and reads the brand's own
  spaces, so it was fetched for that brand. "No signal in Salford since 7am; my wife's on
  Harbour and she's fine", in the brand's forum, is a customer of ours, not a competitor
  mention to leave out of our volume or our queues. With no own brand configured the tag
  is `UNBRANDED`.
- A mention is on every topic one of whose keywords it uses (whole words, any case; a
  trailing `*` matches any ending), and on topic `OTHER` when it uses none.
- One row per (brand, topic) pair of a mention.
"""

from __future__ import annotations

import re
from typing import Iterable

import duckdb

from carewire.core.settings import Brand, Settings
from carewire.warehouse.db import transaction

OTHER = "other"
"""The topic of a mention that uses no configured topic's keywords."""
UNBRANDED = "unbranded"
"""The brand of a mention that names no brand when no own brand is configured."""

_EDGE = r"[^\pL\pN_]"  # not a letter, digit or underscore, in any script
_RE2_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def word_pattern(terms: Iterable[str]) -> str:
    """A case-insensitive RE2 pattern matching any of `terms` as whole words. Spaces inside
    a term match any run of white space; a trailing `*` lets the word go on (`charg*`)."""
    alternatives = []
    for term in dict.fromkeys(t.strip() for t in terms):
        prefix = term.endswith("*")
        words = term.rstrip("*").split()
        if not words:
            continue
        literal = r"\s+".join(_RE2_SPECIAL.sub(r"\\\1", word) for word in words)
        alternatives.append(literal if prefix else f"{literal}(?:$|{_EDGE})")
    if not alternatives:
        raise ValueError("word_pattern needs at least one non-empty term")
    return f"(?i)(?:^|{_EDGE})(?:{'|'.join(alternatives)})"


def brand_terms(brand: Brand) -> list[str]:
    handles = [h.strip() for h in brand.handles if h.strip()]
    return [brand.name, *brand.keywords, *handles, *(h.lstrip("@") for h in handles)]


def tag_mentions(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Rewrite `core__mention_tags` for every mention from the configured brands and topics,
    in one transaction; return the number of tag rows per brand."""
    own = settings.own_brands
    fallback = own[0].name if own else UNBRANDED
    named, named_params = [], []
    for brand in settings.brands:
        named.append("SELECT source, source_id, ? AS brand, ? AS is_competitor FROM texts "
                     "WHERE regexp_matches(body, ?)")
        named_params += [brand.name, brand.competitor, word_pattern(brand_terms(brand))]
    topical, topical_params = [], []
    for topic, keywords in settings.topics.items():
        topical.append("SELECT source, source_id, ? AS topic FROM texts "
                       "WHERE regexp_matches(body, ?)")
        topical_params += [topic, word_pattern(keywords)]
    none_named = ("SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS source_id, "
                  "NULL::VARCHAR AS brand, NULL::BOOLEAN AS is_competitor WHERE false")
    none_topical = ("SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS source_id, "
                    "NULL::VARCHAR AS topic WHERE false")
    with transaction(con):
        con.execute("DELETE FROM core__mention_tags")
        con.execute(f"""
            INSERT INTO core__mention_tags
            WITH texts AS (
                SELECT source, source_id, concat_ws(' ', title, text) AS body
                FROM core__mentions
            ),
            named AS ({' UNION ALL '.join(named) or none_named}),
            brands AS (
                SELECT * FROM named
                UNION ALL
                SELECT source, source_id, ?, false FROM texts t
                WHERE NOT EXISTS (SELECT 1 FROM named n WHERE NOT n.is_competitor
                                  AND n.source = t.source AND n.source_id = t.source_id)
            ),
            topical AS ({' UNION ALL '.join(topical) or none_topical}),
            topics AS (
                SELECT * FROM topical
                UNION ALL
                SELECT source, source_id, ? FROM texts t
                WHERE NOT EXISTS (SELECT 1 FROM topical p
                                  WHERE p.source = t.source AND p.source_id = t.source_id)
            )
            SELECT DISTINCT b.source, b.source_id, b.brand, b.is_competitor, p.topic
            FROM brands b JOIN topics p USING (source, source_id)""",
                    [*named_params, fallback, *topical_params, OTHER])
        counts = con.execute("SELECT brand, count(*) FROM core__mention_tags GROUP BY brand "
                             "ORDER BY brand").fetchall()
    return dict(counts)
