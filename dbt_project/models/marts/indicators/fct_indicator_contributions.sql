-- The records behind every published flow value: one row per published row of
-- indicator_values x contributing record, with the amount it contributes (1 for a count) and
-- its lineage. Counts and sums list their records under role `value`; rates, PAT-03 and CON-02
-- list the records of their numerator and denominator (a record that is not in the numerator,
-- e.g. a pledge of 1000 万元 or more for FIN-05, is not listed under it). The rows are the
-- ones the published values are summed from (int_indicator_values_unioned), so
-- value = sum(amount) holds by construction and is tested (equals_sum_of_contributions).
-- Patent stocks (a patent at each period end): fct_indicator_stock_contributions, a view.
{%- set families = [
    'int_indicators_transfers',
    'int_indicators_contracts',
    'int_indicators_products',
    'int_indicators_finance',
    'int_indicators_open_licences',
    'int_indicator_contributions_derived',
] %}
with

contributions as (

    {%- for family in families %}

    select * from {{ ref(family) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

regions as (

    select * from {{ reporting_regions() }} as reporting

),

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

published as (

    select
        contributions.*,
        catalogue.value_method in {{ ratio_value_methods() }} as is_ratio
    from contributions
    inner join regions
        on regions.region_code = contributions.region_code
    inner join catalogue
        on catalogue.indicator_id = contributions.indicator_id

),

by_role as (

    select published.*, 'value' as role, published.value as amount
    from published
    where not published.is_ratio
        and published.value is not null

    union all

    select published.*, 'numerator' as role, published.numerator as amount
    from published
    where published.is_ratio
        and published.numerator <> 0

    union all

    select published.*, 'denominator' as role, published.denominator as amount
    from published
    where published.is_ratio
        and published.denominator <> 0

),

final as (

    select
        cast(indicator_id as varchar) as indicator_id,
        cast(period_type as varchar) as period_type,
        cast(period_start as date) as period_start,
        cast(region_code as varchar) as region_code,
        cast(breakdown as varchar) as breakdown,
        cast(role as varchar) as role,
        cast(record_kind as varchar) as record_kind,
        cast(record_key as varchar) as record_key,
        cast(amount as double precision) as amount,
        cast(source as varchar) as source,
        cast(batch_id as varchar) as batch_id,
        cast(origin as varchar) as origin,
        cast(row_number as bigint) as row_number
    from by_role

)

select * from final
