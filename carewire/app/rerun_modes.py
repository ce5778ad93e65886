"""What a rerun can do again: the choices the CLI, the DAG params and carewire.rerun share.

Import-light (no duckdb, no pandas): the DAG files read it while the scheduler parses them.
"""

REENRICH = ("off", "changed_models", "all")
REROUTE = ("off", "dry_run", "real")
