{#- md5 over the `-`-joined, null-marked text of the columns: the dbt_utils convention, so keys
    are stable across adapters (DuckDB and PostgreSQL give the same hex digest). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'patentflow')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as varchar), '_patentflow_null_')
        {%- if not loop.last %} || '-' || {% endif -%}
        {%- endfor %}
    )
{%- endmacro %}

{#- The key every dimension's unknown member carries, so facts never lose a row to a join. -#}
{% macro unknown_member_key() -%}
    '-1'
{%- endmacro %}

{#- Fact-side lookup: a dimension key, or the unknown member's when the natural key is null. -#}
{% macro dimension_key(columns) -%}
    case
        when {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
            then {{ unknown_member_key() }}
        else {{ surrogate_key(columns) }}
    end
{%- endmacro %}
