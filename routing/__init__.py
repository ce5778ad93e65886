"""Routing: community thread, contact center, advocacy or ignore, with the reason.

`decide` is the stable evaluation hook: it routes raw mentions under the configured policy
(`routing.policy` in carewire.yaml, or the default policy), enriching whatever the caller
did not provide, exactly as the pipeline would with no history: every author counts as a
regular customer unless `tier` is given, no post is part of an open case unless
`open_case` says so, and cluster sizes are counted within the batch.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["decide"]

_ENRICHED = ("sentiment", "sentiment_score", "relevant", "language", "intent", "private_score")


def decide(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per mention, same index: route (community / contact_center / advocacy /
    ignore), rule_id, priority, reason, plus team, destination and policy_version.

    Needs `text` and `source`; uses `intent`, `sentiment`, `sentiment_score`, `relevant`,
    `language`, `private_score`, `tier`, `reach`, `influence_score`, `cluster_size`,
    `is_reply` (or `parent_id`), `parent_tier`, `same_author_as_parent` and `open_case`
    when present."""
    from carewire.core.settings import load_settings
    from carewire.routing.rules import evaluate
    from carewire.routing.policy import policy_for

    missing = {"text", "source"} - set(mentions.columns)
    if missing:
        raise ValueError(f"decide needs the columns text and source; missing: "
                         f"{', '.join(sorted(missing))}")
    frame = mentions.copy()
    frame["text"] = frame["text"].fillna("").astype(str)
    texts = frame["text"].tolist()
    if any(column not in frame.columns for column in _ENRICHED):
        from carewire.enrichment import score_texts

        scored = score_texts(texts).set_index(frame.index)
        for column in _ENRICHED:
            if column not in frame.columns:
                frame[column] = scored[column]
    if "cluster_size" not in frame.columns:
        from carewire.enrichment import cluster

        ids = pd.Series(cluster(texts), index=frame.index)
        frame["cluster_size"] = ids.map(ids.value_counts())
    if "is_reply" not in frame.columns:
        frame["is_reply"] = (frame["parent_id"].notna() if "parent_id" in frame.columns
                             else False)
    for column, default in (("tier", "regular"), ("reach", None), ("influence_score", None),
                            ("parent_tier", None), ("same_author_as_parent", None),
                            ("open_case", False)):
        if column not in frame.columns:
            frame[column] = default
    policy = policy_for(load_settings())
    decided = evaluate(policy, frame)
    decided["policy_version"] = policy.full_version
    return decided[["route", "rule_id", "priority", "reason", "team", "destination",
                    "policy_version"]]
