"""Spike alerts: hours whose mention volume or negative sentiment rose far above the same
hour of the week before, per brand, source and topic (docs/alerts.md).

    detect.py       the judgement (one SQL query) and each alert's explanation
    store.py        core__alerts and core__alert_notifications: once each, retried
    notify.py       to the care desk (desk/alert_store.py) and to webhooks, signed like
                    routed work
    step.py         the process DAG's alerts task: judge, store, notify
    backtest.py     `carewire alerts backtest`: what would have fired, read-only
"""
