"""The quality gate: GX suites on pandas batches, dbt test results and computed checks, each with a
severity; only a passing gate lets a build publish."""
