{#- The run's inputs. The pipeline passes them as environment variables (DBT_PATENTFLOW_AS_OF,
    DBT_PATENTFLOW_RELEASE_ID), not --vars: dbt throws its partial-parse state away whenever a
    command-line var changes, and these change on every run. A var (--vars, or a unit test's
    overrides) still wins. -#}
{% macro run_input(name, default=none) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or value == '' -%}
        {%- set value = env_var('DBT_PATENTFLOW_' ~ name | upper, '') -%}
    {%- endif -%}
    {{- return(default if value is none or value == '' else value) -}}
{%- endmacro %}

{#- The run's data-interval end. Without one it falls back to today so parse/docs work. -#}
{% macro as_of_value() -%}
    {%- set as_of = run_input('as_of', modules.datetime.date.today().isoformat()) -%}
    {{- return(modules.datetime.datetime.strptime(as_of | string, '%Y-%m-%d')) -}}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_value().strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}

{% macro as_of_year() -%}
    {{ as_of_value().year }}
{%- endmacro %}

{#- The release the build may become ('dev' outside the pipeline). -#}
{% macro run_release_id() -%}
    {{- return(run_input('release_id', 'dev')) -}}
{%- endmacro %}
