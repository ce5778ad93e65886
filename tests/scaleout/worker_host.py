"""The host name Airflow records for a task, for two Celery workers sharing one machine.

In production each worker runs on its own host (the enrichment workers on GPU machines)
and Airflow records that host on every task instance it runs, which is how one tells
where a task ran. The test starts both workers on one machine, so each gets its own name
in `CAREWIRE_TEST_WORKER_HOST` and `[core] hostname_callable` points here.
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["CAREWIRE_TEST_WORKER_HOST"]
