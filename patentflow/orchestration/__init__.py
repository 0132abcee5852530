"""Airflow: the DAG factory, the task functions the DAGs call, callbacks, run health, and the
embedded runner behind `patentflow run`."""
