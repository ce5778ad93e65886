"""carewire: listen to brand mentions, enrich, dedupe, route and measure social care.

Layers, each importing only those below it (import-linter checks, see setup.cfg):

    carewire.dag_tasks   what the DAG files in dags/ share (the one package importing Airflow)
    carewire.app         pipeline steps, the `carewire` command, demo, reruns, status
    domain packages      maintenance, alerts, routing, desk, quality, enrichment, warehouse,
                         connectors (the repository's top-level folders)
    carewire.core        settings, the exception tree, shared types
"""

__version__ = "0.1.0"
