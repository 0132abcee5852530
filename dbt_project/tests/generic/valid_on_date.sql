{#- A versioned classification: the column holds a code of `to` that is valid on the row's
    `date_column` (the code's `valid_from`, when set, on or before that day). Ingestion quarantines
    a 技术许可 contract registered before the 2026-01-23 measures; this test fails the build should
    one reach the warehouse another way. -#}
{% test valid_on_date(model, column_name, to, field, date_column) %}

with

versions as (

    select * from {{ to }}

),

final as (

    select
        model_rows.{{ column_name }} as unexpected_value,
        model_rows.{{ date_column }} as on_date,
        versions.valid_from
    from {{ model }} as model_rows
    inner join versions
        on versions.{{ field }} = model_rows.{{ column_name }}
    where versions.valid_from is not null
        and model_rows.{{ date_column }} < versions.valid_from

)

select * from final

{% endtest %}
