{#- Indicator families describe what they count as "measures": one row per counted record (or,
    for the patent stocks, per pre-aggregated group of patents) with indicator_id, measured_on,
    region_code, breakdown, aggregation ('sum' | 'distinct'), amount, numerator_amount,
    denominator_amount, distinct_key and the record's identity and lineage (record_kind,
    record_key, source, batch_id, origin, row_number; null for a group).

    attribute_measures places every measure row in the indicator's periods and reporting regions
    without aggregating: for a record, these are its contributions to the published rows. The
    published value is their sum (summarise_measures), so a value and the records listed for it
    come from the same rows. `period_match`:
      within     - measured_on falls in [period_start, period_end] (flows),
      at_end     - measured_on is the period's D (stocks evaluated at period ends),
      cumulative - measured_on falls in [cumulative_financing_start, period_end] (FIN-04).
    With `has_distinct`, a 'distinct' measure (FIN-03: pledgors) contributes 1 on the first record
    of each distinct key within a published row (earliest measured_on, then record_key) and 0 on the others, so
    the sum of the contributions is the distinct count and every record is still listed. -#}
{% macro attribute_measures(measures, period_match='within', has_distinct=false) -%}
    select
        placed.indicator_id,
        placed.period_type,
        placed.period_start,
        placed.region_code,
        placed.breakdown,
        {%- if has_distinct %}
        case
            when placed.aggregation = 'distinct'
                then case
                    when placed.distinct_key is not null
                        and row_number() over (
                            partition by
                                placed.indicator_id,
                                placed.period_type,
                                placed.period_start,
                                placed.region_code,
                                placed.breakdown,
                                placed.distinct_key
                            order by placed.measured_on, placed.record_key
                        ) = 1
                        then cast(1 as double precision)
                    else cast(0 as double precision)
                end
            else placed.amount
        end as value,
        {%- else %}
        placed.amount as value,
        {%- endif %}
        placed.numerator_amount as numerator,
        placed.denominator_amount as denominator,
        placed.record_kind,
        placed.record_key,
        placed.source,
        placed.batch_id,
        placed.origin,
        placed.row_number
    from (
        select
            regional.indicator_id,
            periods.period_type,
            periods.period_start,
            regional.reporting_region_code as region_code,
            regional.breakdown,
            regional.aggregation,
            regional.measured_on,
            regional.amount,
            regional.numerator_amount,
            regional.denominator_amount,
            regional.distinct_key,
            regional.record_kind,
            regional.record_key,
            regional.source,
            regional.batch_id,
            regional.origin,
            regional.row_number
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
    ) as placed
{%- endmacro %}

{#- The published value of every (indicator, period, region, breakdown) the measures reach: the
    sum of the contributions attribute_measures gives. -#}
{% macro summarise_measures(measures, period_match='within', has_distinct=false) -%}
    select
        contributions.indicator_id,
        contributions.period_type,
        contributions.period_start,
        contributions.region_code,
        contributions.breakdown,
        sum(contributions.value) as value,
        sum(contributions.numerator) as numerator,
        sum(contributions.denominator) as denominator
    from ({{ attribute_measures(measures, period_match, has_distinct) }}) as contributions
    group by
        contributions.indicator_id,
        contributions.period_type,
        contributions.period_start,
        contributions.region_code,
        contributions.breakdown
{%- endmacro %}

{#- The columns of one measure row, typed identically in every family so unions line up.
    `record_kind` names what a row is (patent, legal_event, contract, pledge, policy, roadshow,
    product, inventory_return); with it the relation must carry the lineage columns
    source_system, batch_id, `origin` and batch_row_number. Without it (pre-aggregated groups)
    the identity and lineage are null. -#}
{% macro measure_columns(
    indicator_id,
    measured_on,
    region_code,
    breakdown="'all'",
    amount='1',
    numerator='null',
    denominator='null',
    distinct_key='null',
    aggregation='sum',
    record_kind=none,
    record_key='null',
    origin='origin'
) -%}
        '{{ indicator_id }}' as indicator_id,
        cast({{ measured_on }} as date) as measured_on,
        cast({{ region_code }} as varchar) as region_code,
        cast({{ breakdown }} as varchar) as breakdown,
        '{{ aggregation }}' as aggregation,
        cast({{ amount }} as double precision) as amount,
        cast({{ numerator }} as double precision) as numerator_amount,
        cast({{ denominator }} as double precision) as denominator_amount,
        cast({{ distinct_key }} as varchar) as distinct_key,
        {%- if record_kind %}
        cast('{{ record_kind }}' as varchar) as record_kind,
        cast({{ record_key }} as varchar) as record_key,
        cast(source_system as varchar) as source,
        cast(batch_id as varchar) as batch_id,
        cast({{ origin }} as varchar) as origin,
        cast(batch_row_number as bigint) as row_number
        {%- else %}
        cast(null as varchar) as record_kind,
        cast(null as varchar) as record_key,
        cast(null as varchar) as source,
        cast(null as varchar) as batch_id,
        cast(null as varchar) as origin,
        cast(null as bigint) as row_number
        {%- endif %}
{%- endmacro %}

{#- The catalogue's value methods whose published value is a ratio of a numerator and a
    denominator (their records are listed per role, not under `value`). -#}
{% macro ratio_value_methods() -%}
    ('percent', 'per_10k', 'growth')
{%- endmacro %}
