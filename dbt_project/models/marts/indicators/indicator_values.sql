-- The published table: one row per indicator x period x region x breakdown (docs in
-- ../shared/indicators.md), with units, the plan's targets on the matching city rows and the
-- release that publishes it. Only the jurisdiction's reporting regions are published (J and every
-- region below it in seeds/regions.csv; the remainder rows `rest:` are not).
with

direct_values as (

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        value,
        numerator,
        denominator
    from {{ ref('int_indicator_values_unioned') }}

),

derived_values as (

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        value,
        numerator,
        denominator
    from {{ ref('int_indicator_values_derived') }}

),

all_values as (

    select * from direct_values
    union all
    select * from derived_values

),

periods as (

    select * from {{ ref('int_periods_generated') }}

),

regions as (

    select * from {{ reporting_regions() }} as reporting

),

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

targets as (

    select * from {{ ref('indicator_targets') }}

),

final as (

    select
        cast(all_values.indicator_id as varchar) as indicator_id,
        cast(all_values.period_type as varchar) as period_type,
        cast(all_values.period_start as date) as period_start,
        cast(periods.period_end as date) as period_end,
        cast(periods.is_complete as boolean) as is_complete,
        cast(all_values.region_code as varchar) as region_code,
        cast(all_values.breakdown as varchar) as breakdown,
        cast(all_values.value as double precision) as value,
        cast(all_values.numerator as double precision) as numerator,
        cast(all_values.denominator as double precision) as denominator,
        cast(catalogue.unit as varchar) as unit,
        cast(targets.target_value as double precision) as target_value,
        cast('{{ run_release_id() }}' as varchar) as release_id
    from all_values
    inner join regions
        on regions.region_code = all_values.region_code
    inner join periods
        on periods.period_type = all_values.period_type
        and periods.period_start = all_values.period_start
    inner join catalogue
        on catalogue.indicator_id = all_values.indicator_id
    left join targets
        on targets.indicator_id = all_values.indicator_id
        and cast(targets.region_code as varchar) = all_values.region_code
        and cast(targets.nominal_period_end as date) = periods.nominal_period_end
        -- the plan's targets are for the total, not for a chain or party type
        and all_values.breakdown = 'all'

)

select * from final
