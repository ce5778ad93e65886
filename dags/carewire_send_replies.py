"""send_replies: the replies agents wrote on the desk, posted where the customer wrote.

Every 2 minutes: post each due reply on its platform as the brand's account, exactly once
(carewire/app/replies.py): a reply tried before is looked for on the platform first, a
platform that asks to wait is waited for, and what cannot be posted is held with the
reason on its item (docs/desk.md, replies). It writes only the desk store, never the
warehouse: the next sync_outcomes run brings the posted replies back as outcomes.
"""

from __future__ import annotations

from airflow.sdk import DAG

from carewire.dag_tasks.common import START_DATE, default_args, task
from carewire.core.settings import load_settings

with DAG(
    dag_id="send_replies",
    description="Post the replies agents wrote, once each, on the customer's platform",
    schedule="*/2 * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # two sends at once could both find a reply due
    default_args=default_args(load_settings().notify),
    tags=["carewire", "desk"],
    doc_md=__doc__,
) as dag:

    @task
    def send(data_interval_end=None, dag_run=None) -> dict:
        from carewire.app import replies
        from carewire.app.credentials import for_replies
        from carewire.core.settings import load_settings

        settings = load_settings()
        return replies.send(settings, for_replies(settings),
                            data_interval_end or dag_run.run_after)

    send()
