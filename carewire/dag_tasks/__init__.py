"""What carewire's DAG files share: task defaults, the landing assets and the tasks more
than one DAG runs. The only carewire package that imports Airflow; only `dags/` imports it.
"""
