"""The scheduled statistical report (monthly and yearly) for the city's IP work leading group.

Read from the published release only; see ``docs/report.md``. This package ``__init__`` imports
nothing heavy, so the report DAG can import ``patentflow.report.period`` at parse time.
"""
