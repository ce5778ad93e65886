"""The application: the pipeline steps the DAGs and the command line run (`pipeline`),
the `carewire` command (`cli`, on Typer: one module per command group), the demo, reruns
and status. It sits on top of the domain packages and is imported only by `dags/` and
carewire.dag_tasks."""
