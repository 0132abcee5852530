{#- String arrays land `;`-joined ('' when empty). These helpers explode or test them without
    building SQL from the data itself. -#}
{% macro split_to_array(column) -%}
    {{ return(adapter.dispatch('split_to_array', 'patentflow')(column)) }}
{%- endmacro %}

{% macro default__split_to_array(column) -%}
    string_split(coalesce({{ column }}, ''), ';')
{%- endmacro %}

{% macro postgres__split_to_array(column) -%}
    string_to_array(coalesce({{ column }}, ''), ';')
{%- endmacro %}

{#- One row per element: use in a select list as `{{ unnest_list('col') }} as item` and drop
    the empty elements downstream (an empty list yields one empty string). -#}
{% macro unnest_list(column) -%}
    unnest({{ patentflow.split_to_array(column) }})
{%- endmacro %}

{#- True when the `;`-joined list contains exactly `item` (a literal, never source data). -#}
{% macro list_has_item(column, item) -%}
    (';' || coalesce({{ column }}, '') || ';' like '%;{{ item }};%')
{%- endmacro %}
