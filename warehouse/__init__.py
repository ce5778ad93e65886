"""The DuckDB warehouse: migrations, loads (upserts) and the analyst snapshot.

Layers follow PUDL's naming: `raw__*` keeps what the platforms sent, `core__*` holds the
normalised, keyed tables, `out__*` the views analysts and dashboards read.
"""
