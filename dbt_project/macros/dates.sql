{#- Calendar arithmetic. Adding years clamps 29 Feb to 28 Feb on both adapters, which is the
    rule for the 10-year age criterion. -#}
{% macro add_years(date_expression, years) -%}
    cast({{ date_expression }} + interval '{{ years | int }} years' as date)
{%- endmacro %}

{% macro last_day_of_month(date_expression) -%}
    cast(date_trunc('month', {{ date_expression }}) + interval '1 month' - interval '1 day' as date)
{%- endmacro %}

{#- One row per month start between two dates (inclusive), column `month_start`. -#}
{% macro month_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('month_spine', 'patentflow')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__month_spine(start_date, end_date) -%}
    select cast(spine.month_start as date) as month_start
    from generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 month'
    ) as spine(month_start)
{%- endmacro %}

{#- One row per day between two dates (inclusive), column `date_day`: for dim_date only. -#}
{% macro day_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_spine', 'patentflow')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_spine(start_date, end_date) -%}
    select cast(spine.date_day as date) as date_day
    from generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 day'
    ) as spine(date_day)
{%- endmacro %}

{#- Integer yyyymmdd key of a date (-1 for null), portable across adapters. -#}
{% macro date_key(date_expression) -%}
    coalesce(
        cast(
            extract(year from {{ date_expression }}) * 10000
            + extract(month from {{ date_expression }}) * 100
            + extract(day from {{ date_expression }})
        as integer),
        -1
    )
{%- endmacro %}
