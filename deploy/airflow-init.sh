#!/usr/bin/env bash
# One-shot initialisation run by the `airflow-init` compose service before any other Airflow
# component starts (they wait for it with `condition: service_completed_successfully`).
# Idempotent: safe to re-run, e.g. `docker compose up airflow-init` after rotating the admin password.
set -euo pipefail

: "${AIRFLOW_ADMIN_USERNAME:?AIRFLOW_ADMIN_USERNAME must be set (see deploy/env.example)}"
: "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD must be set (see deploy/env.example)}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?the passwords file location must be set}"

# Compose only checks that the secrets are set; refuse the placeholders of deploy/env.example too.
for name in AIRFLOW_ADMIN_PASSWORD AIRFLOW__CORE__FERNET_KEY AIRFLOW__API_AUTH__JWT_SECRET \
    AIRFLOW__API__SECRET_KEY; do
    if [ "${!name:-}" = "CHANGE_ME" ]; then
        echo "airflow-init: $name still has the placeholder value from deploy/env.example" >&2
        exit 1
    fi
done

echo "airflow-init: migrating the metadata database"
airflow db migrate

# The auth manager reads user passwords from this file (only the api-server mounts it). Writing it
# here from the .env value replaces Airflow's default of generating a password and printing it to
# the logs, and makes a password rotation take effect on the next login.
echo "airflow-init: writing the credentials of user '${AIRFLOW_ADMIN_USERNAME}'"
python - <<'PY'
import json
import os
from pathlib import Path

path = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
path.parent.mkdir(parents=True, exist_ok=True)
os.umask(0o077)
tmp = path.with_name(path.name + ".tmp")
tmp.write_text(
    json.dumps({os.environ["AIRFLOW_ADMIN_USERNAME"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}) + "\n",
    encoding="utf-8",
)
os.replace(tmp, path)
PY

# The DuckDB build warehouse accepts one writer at a time: every task that writes it runs in this
# one-slot pool, however many Celery workers there are.
echo "airflow-init: ensuring pool duckdb_writer (1 slot)"
airflow pools set duckdb_writer 1 "Serialises writers of the DuckDB build warehouse"

# The layout under PATENTFLOW_HOME (docs/architecture.md); the volume is owned by uid 50000.
mkdir -p "${PATENTFLOW_HOME:?}/raw" "${PATENTFLOW_HOME}/state" "${PATENTFLOW_HOME}/warehouse" \
    "${PATENTFLOW_HOME}/releases" "${PATENTFLOW_HOME}/runs"

echo "airflow-init: done"
