{{ config(materialized='view') }}
-- The patents behind every published patent-stock value (PAT-01..04, UNI-01..04, UNI-06): one
-- row per published row of indicator_values x patent counted in it on the period's D, with the
-- patent's lineage (UNI-02 and UNI-03's numerator list the patent's latest inventory return on D
-- instead). A view, computed on demand from the release's own tables: stored it would be tens of
-- millions of rows (a patent at every period end, in every breakdown and region it counts in).
-- Who counts is decided once per patent and D (counts_in_* of fct_patent_monthly_snapshot, the
-- rules of macros/indicator_stock_rules.sql), the same columns the published values are summed
-- from; which breakdowns and regions exist is decided by the published rows themselves.
-- No import CTEs for the snapshot and its dimensions: each rule's branch reads them itself, so
-- a query for one row (patentflow explain) prunes to that indicator and date, and nothing read
-- more than once is materialised (a CTE read by every branch would be); every CTE is read once.
{%- set rules = [] %}
{%- for rule in stock_indicator_rules() %}
    {%- if rule.scope is not defined or rule.scope in counterparty_scope_levels() %}
        {%- do rules.append(rule) %}
    {%- endif %}
{%- endfor %}
{%- set indicators = [] %}
{%- for rule in rules %}{% for indicator, role in rule.feeds %}
    {%- if indicator not in indicators %}{% do indicators.append(indicator) %}{% endif %}
{%- endfor %}{% endfor %}
with

published as (

    select
        indicator_id,
        period_type,
        period_start,
        period_end,
        region_code,
        breakdown
    from {{ ref('indicator_values') }}
    where indicator_id in ('{{ indicators | join("', '") }}')

),

{#- the kinds of breakdown each indicator is published with: `all`, a dimension, or each
    criterion= of PAT-02 and PAT-03 on its own -#}
breakdown_kinds as (

    select distinct
        indicator_id,
        case
            when breakdown like 'criterion=%' then breakdown
            else split_part(breakdown, '=', 1)
        end as breakdown_kind
    from published

),

region_levels as (

    {%- for size in region_levels() %}
    select {{ size }} as region_length
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

counted as (

    {%- for rule in rules %}
    {%- set outer = loop %}
    {%- for indicator, role in rule.feeds %}

    select
        snapshot.snapshot_date as period_end,
        '{{ indicator }}' as indicator_id,
        '{{ role }}' as role,
        '{{ rule.record }}' as record_kind,
        {{ rule.scope or 'cast(null as integer)' }} as scope_level,
        {%- if rule.party == 'applicant' %}
        snapshot.first_applicant_region_code as party_region_code,
        cast(null as varchar) as party_type,
        snapshot.first_applicant_uscc as owner_uscc,
        {%- else %}
        snapshot.first_owner_region_code as party_region_code,
        snapshot.first_owner_party_type as party_type,
        cast(null as varchar) as owner_uscc,
        {%- endif %}
        snapshot.industry_chain,
        {%- for criterion in high_value_criterion_codes() %}
        snapshot.meets_{{ criterion }}_criterion,
        {%- endfor %}
        {%- if rule.record == 'inventory_return' %}
        snapshot.application_no || '|' || cast(snapshot.latest_return_entered_date as varchar)
            as record_key,
        inventory_returns.source_system as source,
        inventory_returns.batch_id,
        inventory_returns.origin,
        inventory_returns.batch_row_number as row_number
    from {{ ref('fct_patent_monthly_snapshot') }} as snapshot
    left join {{ ref('fct_inventory_returns') }} as inventory_returns
        on inventory_returns.application_no = snapshot.application_no
        and inventory_returns.entered_date = snapshot.latest_return_entered_date
        {%- else %}
        snapshot.application_no as record_key,
        patents.source_system as source,
        patents.batch_id,
        patents.origin,
        patents.batch_row_number as row_number
    from {{ ref('fct_patent_monthly_snapshot') }} as snapshot
    left join {{ ref('dim_patent') }} as patents
        on patents.application_no = snapshot.application_no
        {%- endif %}
    where snapshot.{{ rule.flag }}
    {%- if not (outer.last and loop.last) %}

    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

regional as (

    select
        counted.*,
        case breakdown_kinds.breakdown_kind
            when 'all' then 'all'
            when 'industry_chain' then 'industry_chain=' || counted.industry_chain
            when 'party_type' then 'party_type=' || counted.party_type
            when 'owner_uscc' then 'owner_uscc=' || counted.owner_uscc
            {%- for criterion in high_value_criterion_codes() %}
            when 'criterion={{ criterion }}' then case
                when counted.meets_{{ criterion }}_criterion then 'criterion={{ criterion }}'
            end
            {%- endfor %}
        end as breakdown,
        substr(counted.party_region_code, 1, region_levels.region_length) as region_code
    from counted
    inner join breakdown_kinds
        on breakdown_kinds.indicator_id = counted.indicator_id
    inner join region_levels
        on length(counted.party_region_code) >= region_levels.region_length

),

final as (

    select
        cast(published.indicator_id as varchar) as indicator_id,
        cast(published.period_type as varchar) as period_type,
        cast(published.period_start as date) as period_start,
        cast(published.region_code as varchar) as region_code,
        cast(published.breakdown as varchar) as breakdown,
        cast(regional.role as varchar) as role,
        cast(regional.record_kind as varchar) as record_kind,
        cast(regional.record_key as varchar) as record_key,
        cast(1 as double precision) as amount,
        cast(regional.source as varchar) as source,
        cast(regional.batch_id as varchar) as batch_id,
        cast(regional.origin as varchar) as origin,
        cast(regional.row_number as bigint) as row_number
    from regional
    inner join published
        on published.indicator_id = regional.indicator_id
        and published.period_end = regional.period_end
        and published.region_code = regional.region_code
        and published.breakdown = regional.breakdown
    where regional.scope_level is null
        or regional.scope_level = {{ counterparty_scope_level('published.region_code') }}

)

select * from final
