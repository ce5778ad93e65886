"""carewire: listen to brand mentions, enrich, dedupe, route and measure social care.

The shared pieces live here: typed settings, the error hierarchy, the pipeline steps that
both the Airflow DAGs and the CLI call, and the command line itself.
"""

__version__ = "0.1.0"
