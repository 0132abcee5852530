{#- The run's data-interval end. A missing var falls back to today so parse/docs work. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        {%- set as_of = modules.datetime.date.today().isoformat() -%}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(as_of | string, '%Y-%m-%d') -%}
    cast('{{ parsed.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}

{% macro as_of_year() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        {{ modules.datetime.date.today().year }}
    {%- else -%}
        {{ modules.datetime.datetime.strptime(as_of | string, '%Y-%m-%d').year }}
    {%- endif -%}
{%- endmacro %}
