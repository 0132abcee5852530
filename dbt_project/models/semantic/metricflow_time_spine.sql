-- MetricFlow's day time spine (cumulative metrics, offsets, filling empty periods join to it).
-- It lives in marts so that every published release carries it and MetricFlow can be pointed at
-- a release, not only at the build warehouse; the days are dim_date's, so both stay in step.
{{ config(schema='marts', materialized='table') }}

select date_day
from {{ ref('dim_date') }}
where date_key <> -1
