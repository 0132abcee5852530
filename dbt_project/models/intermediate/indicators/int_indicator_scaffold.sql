-- One zero row per indicator x period x region x breakdown that must be published: the
-- indicator's period types, the jurisdiction J and every region below it (J only where the
-- catalogue says so), `all` plus the domain of each of its breakdown dimensions. Derived indicators (PAT-03,
-- CON-02) get their rows from the indicators they derive from.
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}
    where value_method not in ('per_10k', 'growth')

),

periods as (

    select * from {{ ref('int_periods_generated') }}

),

regions as (

    select * from {{ reporting_regions() }} as reporting

),

domains as (

    select * from {{ ref('int_indicator_breakdown_domains') }}

),

indicator_periods as (

    select
        catalogue.indicator_id,
        periods.period_type,
        periods.period_start
    from catalogue
    inner join periods
        on (';' || catalogue.period_types || ';') like ('%;' || periods.period_type || ';%')

),

indicator_regions as (

    select
        catalogue.indicator_id,
        regions.region_code
    from catalogue
    inner join regions
        on catalogue.region_attribution <> 'city only'
        or regions.region_code = '{{ jurisdiction_code() }}'

),

indicator_breakdowns as (

    select
        indicator_id,
        'all' as breakdown
    from catalogue

    union all

    select
        catalogue.indicator_id,
        domains.breakdown
    from catalogue
    inner join domains
        on (';' || coalesce(catalogue.breakdown_dimensions, '') || ';')
            like ('%;' || domains.breakdown_dimension || ';%')

),

final as (

    select
        indicator_periods.indicator_id,
        indicator_periods.period_type,
        indicator_periods.period_start,
        indicator_regions.region_code,
        indicator_breakdowns.breakdown
    from indicator_periods
    inner join indicator_regions
        on indicator_regions.indicator_id = indicator_periods.indicator_id
    inner join indicator_breakdowns
        on indicator_breakdowns.indicator_id = indicator_periods.indicator_id

)

select * from final
