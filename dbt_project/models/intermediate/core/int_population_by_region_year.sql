-- Resident population for every reporting region and every reporting year, falling back to the
-- latest earlier year the delivery has for that region (PAT-03); null when there is none. The
-- lineage names the reference file row the figure came from.
with

population as (

    select * from {{ ref('int_population_deduplicated') }}

),

regions as (

    select region_code from {{ reporting_regions() }} as reporting

),

years as (

    select distinct period_year as reporting_year
    from {{ ref('int_periods_generated') }}

),

candidates as (

    select
        regions.region_code,
        years.reporting_year,
        population.population_year,
        population.resident_population,
        population.source_system,
        population.batch_id,
        population.origin,
        population.batch_row_number,
        row_number() over (
            partition by regions.region_code, years.reporting_year
            order by population.population_year desc
        ) as recency_rank
    from regions
    cross join years
    left join population
        on population.region_code = regions.region_code
        and population.population_year <= years.reporting_year
        and population.resident_population is not null

),

final as (

    select
        region_code,
        reporting_year,
        population_year,
        resident_population,
        source_system,
        batch_id,
        origin,
        batch_row_number
    from candidates
    where recency_rank = 1

)

select * from final
