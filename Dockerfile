# syntax=docker/dockerfile:1
# patentflow image: Airflow 3.3 + dbt + Great Expectations + the patentflow code, one image for every
# Airflow component of docker-compose.yml (api-server, scheduler, dag-processor, triggerer, workers).
#
# Build:  docker build -t patentflow:local .
# Secrets are never baked in: everything sensitive arrives at run time from the compose `.env`.
FROM python:3.11-slim-bookworm

# uv at the version that generated requirements.lock (`uv pip compile`), copied from its image.
COPY --from=ghcr.io/astral-sh/uv:0.9.30 /uv /uvx /usr/local/bin/

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/app/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    PATENTFLOW_HOME=/opt/patentflow \
    PATENTFLOW_DROP_DIR=/data/drop \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false

# Non-root runtime user, uid 50000 like the official Airflow image (volume permissions line up).
RUN groupadd --gid 50000 airflow \
    && useradd --uid 50000 --gid 50000 --create-home --home-dir /home/airflow --shell /bin/bash airflow

WORKDIR /opt/app

# 1. The locked dependency set, exact pins only: this layer changes only when the lock changes.
#    requirements.in is deliberately not copied; the image never re-resolves versions.
COPY requirements.lock ./
RUN uv venv "$VIRTUAL_ENV" --python /usr/local/bin/python3.11 \
    && uv pip install --python "$VIRTUAL_ENV/bin/python" -r requirements.lock

# 2. The project itself, editable and without dependencies (as `make venv` does), so that
#    the runtime finds dbt_project/, expectations/ and dags/ next to the package as in a checkout.
#    Tooling (devtools/, benchmarks/, tests/) is not copied: it is not part of the product.
COPY pyproject.toml ./
COPY patentflow/ patentflow/
COPY dags/ dags/
COPY dbt_project/ dbt_project/
COPY expectations/ expectations/
COPY deploy/airflow-init.sh deploy/airflow-init.sh
RUN uv pip install --python "$VIRTUAL_ENV/bin/python" --no-deps -e . \
    && if [ -f dbt_project/packages.yml ] || [ -f dbt_project/dependencies.yml ]; then \
           (cd dbt_project && dbt deps --project-dir . --profiles-dir .); \
       fi

# State lives in volumes. Creating the mount points here, owned by airflow, makes Docker initialise
# fresh named volumes with that ownership, so no component ever has to run as root.
RUN mkdir -p /opt/airflow/logs /opt/airflow/auth /opt/patentflow /data/drop \
    && chown -R airflow:airflow /opt/airflow /opt/patentflow /data/drop \
    && chmod 0700 /opt/airflow/auth

USER airflow
WORKDIR /opt/airflow

# No ENTRYPOINT wrapper: compose gives every service its full command (`airflow scheduler`, ...).
CMD ["airflow", "version"]
