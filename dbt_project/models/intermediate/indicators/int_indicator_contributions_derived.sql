-- The records behind the derived indicators, decided by int_indicator_values_derived:
-- CON-02's numerator is the year's CON-01 (its contracts, when the base year's CON-01 is > 0,
-- else the numerator is 0 and lists none), its denominator the base year's CON-01 (those
-- contracts); PAT-03's denominator is the population row used (population / 10,000). PAT-03's
-- numerator is PAT-02, i.e. patents: marts.fct_indicator_stock_contributions.
with

derived_values as (

    select * from {{ ref('int_indicator_values_derived') }}

),

contract_contributions as (

    select * from {{ ref('int_indicators_contracts') }}
    where indicator_id = 'CON-01'
        and period_type = 'year'
        and breakdown = 'all'

),

population as (

    select * from {{ ref('int_population_by_region_year') }}

),

periods as (

    select * from {{ ref('int_periods_generated') }}

),

growth_numerators as (

    select
        derived_values.indicator_id,
        derived_values.period_type,
        derived_values.period_start,
        derived_values.region_code,
        derived_values.breakdown,
        cast(null as double precision) as value,
        contract_contributions.value as numerator,
        cast(null as double precision) as denominator,
        contract_contributions.record_kind,
        contract_contributions.record_key,
        contract_contributions.source,
        contract_contributions.batch_id,
        contract_contributions.origin,
        contract_contributions.row_number
    from derived_values
    inner join contract_contributions
        on contract_contributions.period_start = derived_values.period_start
        and contract_contributions.region_code = derived_values.region_code
    where derived_values.indicator_id = 'CON-02'
        and derived_values.denominator > 0

),

growth_denominators as (

    select
        derived_values.indicator_id,
        derived_values.period_type,
        derived_values.period_start,
        derived_values.region_code,
        derived_values.breakdown,
        cast(null as double precision) as value,
        cast(null as double precision) as numerator,
        contract_contributions.value as denominator,
        contract_contributions.record_kind,
        contract_contributions.record_key,
        contract_contributions.source,
        contract_contributions.batch_id,
        contract_contributions.origin,
        contract_contributions.row_number
    from derived_values
    inner join contract_contributions
        on contract_contributions.period_start = cast('{{ var("base_year") }}-01-01' as date)
        and contract_contributions.region_code = derived_values.region_code
    where derived_values.indicator_id = 'CON-02'

),

population_denominators as (

    select
        derived_values.indicator_id,
        derived_values.period_type,
        derived_values.period_start,
        derived_values.region_code,
        derived_values.breakdown,
        cast(null as double precision) as value,
        cast(null as double precision) as numerator,
        derived_values.denominator,
        cast('population' as varchar) as record_kind,
        cast(population.region_code || '|' || cast(population.population_year as varchar)
            as varchar) as record_key,
        cast(population.source_system as varchar) as source,
        cast(population.batch_id as varchar) as batch_id,
        cast(population.origin as varchar) as origin,
        cast(population.batch_row_number as bigint) as row_number
    from derived_values
    inner join periods
        on periods.period_type = derived_values.period_type
        and periods.period_start = derived_values.period_start
    inner join population
        on population.region_code = derived_values.region_code
        and population.reporting_year = cast(extract(year from periods.period_end) as integer)
    where derived_values.indicator_id = 'PAT-03'
        and derived_values.denominator is not null

),

final as (

    select * from growth_numerators
    union all
    select * from growth_denominators
    union all
    select * from population_denominators

)

select * from final
