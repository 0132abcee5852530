{#- Keep one row per key: the first by `order_by`. Columns are listed from the relation so the
    helper rank never leaks into the model (no dialect-specific `exclude`/`qualify`). -#}
{% macro deduplicate(relation, partition_by, order_by, columns_from=none) -%}
    {#- `relation` may be a CTE name; then `columns_from` is the relation that has its columns. -#}
    {%- set columns = adapter.get_columns_in_relation(columns_from or relation) if execute else [] -%}
    {%- set column_list = columns | map(attribute='name') | list -%}
    select
        {%- if column_list %}
        {%- for column in column_list %}
        ranked.{{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
        {%- else %}
        ranked.*
        {%- endif %}
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ partition_by }}
                order by {{ order_by }}
            ) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}
