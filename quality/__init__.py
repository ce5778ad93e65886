"""Data-quality gates between the warehouse's layers, with great-expectations.

Four suites, one per layer boundary (docs/quality.md):

    landing_raw        landing batches -> raw tables: each stream's batches stored whole,
                       volume against the stream's recent history, freshness per stream
    raw_core_mentions  raw -> core__mentions: keys, required fields, timestamps, counts
    enrichments        core__enrichments: labels in their sets, scores in their ranges
    routing_decisions  core__routing_decisions: routes, deliveries planned for routed work

Each run judges what it touched (batches loaded, mentions enriched or decided since the
suite last judged them), records the result in the warehouse, quarantines the failing rows
with the expectation that caught them and holds their batches back from routing.

great-expectations takes seconds to import: only `validate` and `docs` import it, inside
their functions, so the DAG files and the CLI stay fast.
"""

SUITES = ("landing_raw", "raw_core_mentions", "enrichments", "routing_decisions")

GATES_AFTER = {"load": ("landing_raw", "raw_core_mentions"), "enrich": ("enrichments",),
               "route": ("routing_decisions",)}
"""Which suites judge what each step wrote, run right after it: by the process DAG (its
gate_<step> tasks), the demo and reruns alike."""

__all__ = ["GATES_AFTER", "SUITES"]
