{#- Every (indicator, period, breakdown) has a row for the jurisdiction J and each region below
    it in the hierarchy; total-only indicators (FIN-08, FIN-09) have J's row only. Data-dependent breakdowns
    (owner_uscc=) exist only where they have patents and are exempt. -#}
{% test every_region_present(model) %}

with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

reporting as (

    select count(*) as region_count from {{ reporting_regions() }} as reporting

),

region_counts as (

    select
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown,
        count(distinct model_rows.region_code) as region_count,
        max(case when catalogue.region_attribution = 'city only' then 1
            else reporting.region_count end) as expected_region_count
    from {{ model }} as model_rows
    inner join catalogue
        on catalogue.indicator_id = model_rows.indicator_id
    cross join reporting
    where model_rows.breakdown not like 'owner_uscc=%'
    group by
        model_rows.indicator_id,
        model_rows.period_type,
        model_rows.period_start,
        model_rows.breakdown

)

select *
from region_counts
where region_count <> expected_region_count

{% endtest %}
