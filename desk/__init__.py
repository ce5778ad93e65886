"""The care desk web app: where agents work their routed queues and leads see the service.

`carewire desk` serves it (desk/web.py). The queue itself lives in the desk store
(routing/desk.py), which the delivery step fills; item context, dashboards and alerts are
read from the analyst snapshot of the warehouse, never from the warehouse the pipeline
is writing.
"""
