-- Indicators derived from published ones. PAT-03: every PAT-02 row divided by the region's
-- population for the year of D / 10,000 (latest earlier year as fallback; null when none).
-- CON-02: 100 x (CON-01 of the year / CON-01 of the base year - 1) for every year from
-- first_year; the base year itself is 0; null (numerator 0, denominator 0) where the base
-- year's CON-01 is 0. An unfinished year uses its year-to-date CON-01.
with

base_values as (

    select * from {{ ref('int_indicator_values_unioned') }}
    where region_code not like {{ remainder_prefix() }} || '%'

),

periods as (

    select * from {{ ref('int_periods_generated') }}

),

population as (

    select * from {{ ref('int_population_by_region_year') }}

),

high_value_patents as (

    select
        base_values.*,
        cast(extract(year from periods.period_end) as integer) as year_of_d
    from base_values
    inner join periods
        on periods.period_type = base_values.period_type
        and periods.period_start = base_values.period_start
    where base_values.indicator_id = 'PAT-02'

),

per_ten_thousand as (

    select
        'PAT-03' as indicator_id,
        high_value_patents.period_type,
        high_value_patents.period_start,
        high_value_patents.region_code,
        high_value_patents.breakdown,
        case
            when population.resident_population > 0
                then high_value_patents.value
                    / (cast(population.resident_population as double precision) / 10000.0)
        end as value,
        high_value_patents.value as numerator,
        cast(population.resident_population as double precision) / 10000.0 as denominator
    from high_value_patents
    left join population
        on population.region_code = high_value_patents.region_code
        and population.reporting_year = high_value_patents.year_of_d

),

contract_turnover as (

    select * from base_values
    where indicator_id = 'CON-01'
        and period_type = 'year'
        and breakdown = 'all'

),

base_year_turnover as (

    select
        region_code,
        value as base_value
    from contract_turnover
    where period_start = cast('{{ var("base_year") }}-01-01' as date)

),

growth as (

    select
        'CON-02' as indicator_id,
        contract_turnover.period_type,
        contract_turnover.period_start,
        contract_turnover.region_code,
        contract_turnover.breakdown,
        case
            when coalesce(base_year_turnover.base_value, 0) > 0
                then 100.0 * (contract_turnover.value / base_year_turnover.base_value - 1)
        end as value,
        case
            when coalesce(base_year_turnover.base_value, 0) > 0 then contract_turnover.value
            else 0
        end as numerator,
        coalesce(base_year_turnover.base_value, 0) as denominator
    from contract_turnover
    left join base_year_turnover
        on base_year_turnover.region_code = contract_turnover.region_code

),

final as (

    select * from per_ten_thousand
    union all
    select * from growth

)

select * from final
