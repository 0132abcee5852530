{#- For additive indicators the city value is the sum of the 13 district values plus the
    city-only remainder (what 3701xx codes outside the 13 contribute). The city is computed over
    the whole city, so this is a real cross-check, not an identity. Runs on
    int_indicator_values_unioned, which still holds the remainder rows. -#}
{% test city_total_matches_districts_and_remainder(model, tolerance=0.000001) %}

with

catalogue as (

    select indicator_id from {{ ref('indicator_catalogue') }}
    where is_additive

),

values_by_scope as (

    select
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown,
        sum(case when model_rows.region_code = '3701' then model_rows.value else 0 end)
            as city_value,
        sum(case when model_rows.region_code <> '3701' then model_rows.value else 0 end)
            as district_and_remainder_value
    from {{ model }} as model_rows
    inner join catalogue
        on catalogue.indicator_id = model_rows.indicator_id
    group by
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown

)

select *
from values_by_scope
where abs(city_value - district_and_remainder_value) > {{ tolerance }}

{% endtest %}
