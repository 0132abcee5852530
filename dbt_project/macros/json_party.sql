{#- Party arrays land as JSON text (docs/architecture.md). Indicators only ever need the first
    party of an array (first applicant, first from/to party), so one accessor suffices. -#}
{% macro json_party_field(json_column, field, position=0) -%}
    {{ return(adapter.dispatch('json_party_field', 'patentflow')(json_column, field, position)) }}
{%- endmacro %}

{% macro default__json_party_field(json_column, field, position) -%}
    json_extract_string({{ json_column }}, '$[{{ position }}].{{ field }}')
{%- endmacro %}

{% macro postgres__json_party_field(json_column, field, position) -%}
    (cast(nullif({{ json_column }}, '') as jsonb) -> {{ position }} ->> '{{ field }}')
{%- endmacro %}

{#- Number of parties in a JSON party array (0 for null or empty text). -#}
{% macro json_array_length(json_column) -%}
    {{ return(adapter.dispatch('json_array_length', 'patentflow')(json_column)) }}
{%- endmacro %}

{% macro default__json_array_length(json_column) -%}
    coalesce(cast(json_array_length(nullif({{ json_column }}, '')) as integer), 0)
{%- endmacro %}

{% macro postgres__json_array_length(json_column) -%}
    coalesce(jsonb_array_length(cast(nullif({{ json_column }}, '') as jsonb)), 0)
{%- endmacro %}
