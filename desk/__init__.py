"""The care desk: where agents work their routed queues and leads see the service.

    schema.py       every table of the desk's store, and its Alembic migrations
    store.py        queue items and the item state machine (`Desk`); the routing
                    destination `desk` fills it
    accounts.py     users, sessions, the audit log
    alert_store.py  the alerts a lead acknowledges
    web.py          the web app `carewire desk` serves (queues.py, dashboards.py, ...)

Item context, dashboards and alerts are read from the analyst snapshot of the warehouse,
never from the warehouse the pipeline is writing.
"""
