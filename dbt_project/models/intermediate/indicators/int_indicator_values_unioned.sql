-- All directly computed indicators, zero-filled over the scaffold, with rates finished:
-- value = 100 x numerator / denominator, and a zero denominator gives value null with
-- numerator 0 and denominator 0. Also keeps the remainder rows (region `rest:<code>`)
-- and the data-dependent owner_uscc= rows, which indicator_values filters / passes through.
{#- Patent stocks arrive summed over groups of patents; every other family arrives as one row
    per record and published row (its contributions), summed here. -#}
{%- set families = [
    'int_indicators_patent_stock',
    'int_indicators_university',
    'int_indicators_transfers',
    'int_indicators_contracts',
    'int_indicators_products',
    'int_indicators_finance',
    'int_indicators_open_licences',
] %}
with

family_values as (

    {%- for family in families %}

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        value,
        numerator,
        denominator
    from {{ ref(family) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

zero_rows as (

    select
        scaffold.indicator_id,
        scaffold.period_type,
        scaffold.period_start,
        scaffold.region_code,
        scaffold.breakdown,
        cast(0 as double precision) as value,
        cast(case when catalogue.value_method = 'percent' then 0 end as double precision)
            as numerator,
        cast(case when catalogue.value_method = 'percent' then 0 end as double precision)
            as denominator
    from {{ ref('int_indicator_scaffold') }} as scaffold
    inner join catalogue
        on catalogue.indicator_id = scaffold.indicator_id

),

combined as (

    select * from family_values
    union all
    select * from zero_rows

),

summed as (

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        sum(value) as value,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from combined
    group by indicator_id, period_type, period_start, region_code, breakdown

),

final as (

    select
        summed.indicator_id,
        summed.period_type,
        summed.period_start,
        summed.region_code,
        summed.breakdown,
        case
            when catalogue.value_method = 'percent'
                then case
                    when coalesce(summed.denominator, 0) > 0
                        then 100.0 * coalesce(summed.numerator, 0) / summed.denominator
                end
            else coalesce(summed.value, 0)
        end as value,
        case
            when catalogue.value_method = 'percent'
                then case
                    when coalesce(summed.denominator, 0) > 0 then coalesce(summed.numerator, 0)
                    else 0
                end
        end as numerator,
        case
            when catalogue.value_method = 'percent' then coalesce(summed.denominator, 0)
        end as denominator
    from summed
    inner join catalogue
        on catalogue.indicator_id = summed.indicator_id

)

select * from final
