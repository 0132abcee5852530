{#- Indicator families describe what they count as "measures": one row per counted thing (or
    pre-aggregated group) with indicator_id, measured_on, region_code, breakdown, aggregation
    ('sum' | 'distinct'), amount, numerator_amount, denominator_amount, distinct_key.
    This macro attributes them to the city and districts, places them in the indicator's
    periods and aggregates. `period_match`:
      within     - measured_on falls in [period_start, period_end] (flows),
      at_end     - measured_on is the period's D (stocks evaluated at period ends),
      cumulative - measured_on falls in [cumulative_financing_start, period_end] (FIN-04). -#}
{% macro summarise_measures(measures, period_match='within') -%}
    select
        regional.indicator_id,
        periods.period_type,
        periods.period_start,
        regional.reporting_region_code as region_code,
        regional.breakdown,
        case
            when max(regional.aggregation) = 'distinct'
                then cast(count(distinct regional.distinct_key) as double precision)
            else sum(cast(regional.amount as double precision))
        end as value,
        sum(cast(regional.numerator_amount as double precision)) as numerator,
        sum(cast(regional.denominator_amount as double precision)) as denominator
    from ({{ attribute_to_regions(measures, 'region_code') }}) as regional
    inner join {{ ref('indicator_catalogue') }} as catalogue
        on catalogue.indicator_id = regional.indicator_id
    inner join {{ ref('int_periods_generated') }} as periods
        on (';' || catalogue.period_types || ';') like ('%;' || periods.period_type || ';%')
        {%- if period_match == 'within' %}
        and regional.measured_on between periods.period_start and periods.period_end
        {%- elif period_match == 'at_end' %}
        and regional.measured_on = periods.period_end
        {%- elif period_match == 'cumulative' %}
        and regional.measured_on
            between cast('{{ var("cumulative_financing_start") }}' as date) and periods.period_end
        {%- else %}
        {{ exceptions.raise_compiler_error("unknown period_match " ~ period_match) }}
        {%- endif %}
    group by
        regional.indicator_id,
        periods.period_type,
        periods.period_start,
        regional.reporting_region_code,
        regional.breakdown
{%- endmacro %}

{#- The columns of one measure row, typed identically in every family so unions line up. -#}
{% macro measure_columns(
    indicator_id,
    measured_on,
    region_code,
    breakdown="'all'",
    amount='1',
    numerator='null',
    denominator='null',
    distinct_key='null',
    aggregation='sum'
) -%}
        '{{ indicator_id }}' as indicator_id,
        cast({{ measured_on }} as date) as measured_on,
        cast({{ region_code }} as varchar) as region_code,
        cast({{ breakdown }} as varchar) as breakdown,
        '{{ aggregation }}' as aggregation,
        cast({{ amount }} as double precision) as amount,
        cast({{ numerator }} as double precision) as numerator_amount,
        cast({{ denominator }} as double precision) as denominator_amount,
        cast({{ distinct_key }} as varchar) as distinct_key
{%- endmacro %}
