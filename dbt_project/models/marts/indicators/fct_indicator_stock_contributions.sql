{{ config(materialized='view') }}
-- The patents behind every published patent-stock value (PAT-01..04, UNI-01..04, UNI-06): one
-- row per published row of indicator_values x patent counted in it on the period's D, with the
-- patent's lineage (UNI-02 and UNI-03's numerator list the patent's latest inventory return on D
-- instead). A view, computed on demand from the release's own tables: stored it would be tens of
-- millions of rows (a patent at every period end, in every breakdown and region it counts in).
-- Who counts is decided once per patent and D (counts_in_* of fct_patent_monthly_snapshot, the
-- rules of macros/indicator_stock_rules.sql), the same columns the published values are summed
-- from; which breakdowns and regions exist is decided by the published rows themselves.
{%- set rules = stock_indicator_rules() %}
{%- set indicators = [] %}
{%- for rule in rules %}{% for indicator, role in rule.feeds %}
    {%- if indicator not in indicators %}{% do indicators.append(indicator) %}{% endif %}
{%- endfor %}{% endfor %}
{%- set breakdown_columns = ['period_end', 'application_no', 'latest_return_entered_date',
    'indicator_id', 'role', 'record_kind', 'scope_level', 'party_region_code'] %}
with

snapshot as (

    select * from {{ ref('fct_patent_monthly_snapshot') }}

),

patents as (

    select * from {{ ref('dim_patent') }}

),

inventory_returns as (

    select * from {{ ref('fct_inventory_returns') }}

),

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

counted as (

    {%- for rule in rules %}
    {%- set outer = loop %}
    {%- for indicator, role in rule.feeds %}

    select
        snapshot_date as period_end,
        application_no,
        latest_return_entered_date,
        '{{ indicator }}' as indicator_id,
        '{{ role }}' as role,
        '{{ rule.record }}' as record_kind,
        {{ rule.scope or 'cast(null as integer)' }} as scope_level,
        {%- if rule.party == 'applicant' %}
        first_applicant_region_code as party_region_code,
        cast(null as varchar) as party_type,
        first_applicant_uscc as owner_uscc,
        {%- else %}
        first_owner_region_code as party_region_code,
        first_owner_party_type as party_type,
        cast(null as varchar) as owner_uscc,
        {%- endif %}
        industry_chain,
        {%- for criterion in high_value_criterion_codes() %}
        meets_{{ criterion }}_criterion{{ ',' if not loop.last }}
        {%- endfor %}
    from snapshot
    where {{ rule.flag }}
    {%- if not (outer.last and loop.last) %}

    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

{#- every breakdown a patent can fall in; the published rows say which an indicator has -#}
breakdowns as (

    select {{ breakdown_columns | join(', ') }}, 'all' as breakdown
    from counted

    union all

    select {{ breakdown_columns | join(', ') }}, 'industry_chain=' || industry_chain
    from counted

    union all

    select {{ breakdown_columns | join(', ') }}, 'party_type=' || party_type
    from counted
    where party_type is not null

    union all

    select {{ breakdown_columns | join(', ') }}, 'owner_uscc=' || owner_uscc
    from counted
    where owner_uscc is not null
    {%- for criterion in high_value_criterion_codes() %}

    union all

    select {{ breakdown_columns | join(', ') }}, 'criterion={{ criterion }}'
    from counted
    where meets_{{ criterion }}_criterion
    {%- endfor %}

),

{#- a party's region code lies in every published region that is a prefix of it -#}
regional as (

    {%- for size in region_levels() %}

    select
        breakdowns.*,
        substr(breakdowns.party_region_code, 1, {{ size }}) as region_code
    from breakdowns
    where length(breakdowns.party_region_code) >= {{ size }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

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
        cast(
            case
                when regional.record_kind = 'inventory_return'
                    then regional.application_no || '|'
                        || cast(regional.latest_return_entered_date as varchar)
                else regional.application_no
            end as varchar
        ) as record_key,
        cast(1 as double precision) as amount,
        cast(
            case
                when regional.record_kind = 'inventory_return' then inventory_returns.source_system
                else patents.source_system
            end as varchar
        ) as source,
        cast(
            case
                when regional.record_kind = 'inventory_return' then inventory_returns.batch_id
                else patents.batch_id
            end as varchar
        ) as batch_id,
        cast(
            case
                when regional.record_kind = 'inventory_return' then inventory_returns.origin
                else patents.origin
            end as varchar
        ) as origin,
        cast(
            case
                when regional.record_kind = 'inventory_return'
                    then inventory_returns.batch_row_number
                else patents.batch_row_number
            end as bigint
        ) as row_number
    from regional
    inner join published
        on published.indicator_id = regional.indicator_id
        and published.period_end = regional.period_end
        and published.region_code = regional.region_code
        and published.breakdown = regional.breakdown
    left join patents
        on patents.application_no = regional.application_no
    left join inventory_returns
        on inventory_returns.application_no = regional.application_no
        and inventory_returns.entered_date = regional.latest_return_entered_date
    where regional.scope_level is null
        or regional.scope_level = {{ counterparty_scope_level('published.region_code') }}

)

select * from final
