"""The home's ``airflow.cfg`` says what the services' environment says, so that a shell with
only ``AIRFLOW_HOME=$PATENTFLOW_HOME/airflow`` (``airflow backfill create``, ``airflow tasks
clear``) sees the same DAGs, metadata DB, logs and Beijing time as the scheduler."""

from __future__ import annotations

from patentflow.orchestration.embedded_airflow import write_cli_config

GENERATED = """\
[core]
# The folder where your airflow pipelines live
dags_folder = /home/airflow/dags
default_timezone = utc
load_examples = True
fernet_key = kept-as-generated

[database]
sql_alchemy_conn = sqlite:////home/airflow/airflow.db

[logging]
remote_logging = False
"""


def test_the_options_the_services_set_are_written_over_the_generated_ones(tmp_path):
    cfg = tmp_path / "airflow.cfg"
    cfg.write_text(GENERATED, encoding="utf-8")
    write_cli_config(cfg, {
        "AIRFLOW__CORE__DAGS_FOLDER": "/checkout/dags",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "/pf/airflow/logs",
        "AIRFLOW__API_AUTH__JWT_SECRET": "never-written",
    })
    from configparser import ConfigParser

    parsed = ConfigParser(interpolation=None)
    parsed.read(cfg, encoding="utf-8")
    assert parsed["core"]["dags_folder"] == "/checkout/dags"
    assert parsed["core"]["default_timezone"] == "Asia/Shanghai"
    assert parsed["core"]["load_examples"] == "False"
    assert parsed["logging"]["base_log_folder"] == "/pf/airflow/logs"  # missing: added
    # what the environment does not set stays as Airflow generated it, comments included
    assert parsed["core"]["fernet_key"] == "kept-as-generated"
    assert parsed["database"]["sql_alchemy_conn"] == "sqlite:////home/airflow/airflow.db"
    assert "# The folder where your airflow pipelines live" in cfg.read_text(encoding="utf-8")
    assert "never-written" not in cfg.read_text(encoding="utf-8")  # secrets stay in the env


def test_writing_twice_changes_nothing_more(tmp_path):
    cfg = tmp_path / "airflow.cfg"
    cfg.write_text(GENERATED, encoding="utf-8")
    env = {"AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
           "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "/pf/airflow/logs"}
    write_cli_config(cfg, env)
    once = cfg.read_text(encoding="utf-8")
    write_cli_config(cfg, env)
    assert cfg.read_text(encoding="utf-8") == once
