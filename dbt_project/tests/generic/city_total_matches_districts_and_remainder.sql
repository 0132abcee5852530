{#- For additive indicators every listed region with children equals the sum of its listed
    children plus its remainder rest:<code> (what codes below it that no listed child holds
    contribute). Each region is computed over its own parties, so this is a real cross-check, not
    an identity. PAT-04 and TRN-03 judge the counterparty against the row's city or province, so
    they add up only where parent and children share that scope (below city level). Runs on
    int_indicator_values_unioned, which still holds the remainder rows. -#}
{% test city_total_matches_districts_and_remainder(model, tolerance=0.000001) %}

with

catalogue as (

    select indicator_id, is_counterparty_scoped from {{ ref('indicator_catalogue') }}
    where is_additive

),

regions as (

    select * from {{ reporting_regions() }} as reporting

),

parent_values as (

    select
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown,
        model_rows.region_code as parent_code,
        model_rows.value as parent_value,
        catalogue.is_counterparty_scoped
    from {{ model }} as model_rows
    inner join catalogue
        on catalogue.indicator_id = model_rows.indicator_id
    where model_rows.region_code in (select parent_code from regions)

),

part_values as (

    select
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown,
        coalesce(regions.parent_code, substr(model_rows.region_code, 6)) as parent_code,
        sum(model_rows.value) as parts_value
    from {{ model }} as model_rows
    left join regions
        on regions.region_code = model_rows.region_code
    where model_rows.region_code like {{ remainder_prefix() }} || '%'
        or regions.parent_code in (select region_code from regions)
    group by 1, 2, 3, 4, 5

),

final as (

    select
        parent_values.*,
        coalesce(part_values.parts_value, 0) as parts_value
    from parent_values
    left join part_values
        on part_values.indicator_id = parent_values.indicator_id
        and part_values.period_type = parent_values.period_type
        and part_values.period_start = parent_values.period_start
        and part_values.breakdown = parent_values.breakdown
        and part_values.parent_code = parent_values.parent_code
    where not parent_values.is_counterparty_scoped
        or length(parent_values.parent_code) >= 4

)

select *
from final
where abs(parent_value - parts_value) > {{ tolerance }}

{% endtest %}
