-- TRN-01..03 and TRD-01..02: non-revoked TR01/EE01 events dated in the period, classified by
-- the region and country of their first from_party and first to_party; breakdown by the
-- patent's IPC-derived chain (`other` for a patent not in the registry). "Jinan" below reads
-- "of the jurisdiction"; TRN-03's "from outside" is judged per row (indicators.md).
-- One row per event and published row it counts in, with the API page it came from; the values
-- are their sums (int_indicator_values_unioned).
{%- set event = {'record_kind': 'legal_event', 'record_key': 'event_id'} %}
{#- the event's identity and lineage, carried to every count -#}
{%- set lineage = 'event_id, event_date, source_system, batch_id, origin, batch_row_number' %}
with

events as (

    select * from {{ ref('int_legal_events_deduplicated') }}
    where event_code in ('TR01', 'EE01')
        and not is_revoked
        and event_date is not null

),

patents as (

    select * from {{ ref('int_patents_enriched') }}

),

classified as (

    select
        events.event_id,
        events.event_code,
        events.event_date,
        events.source_system,
        events.batch_id,
        events.origin,
        events.batch_row_number,
        events.first_from_party_region_code as from_region_code,
        events.first_to_party_region_code as to_region_code,
        coalesce({{ is_jurisdiction_region('events.first_from_party_region_code') }}, false)
            as is_from_jinan,
        coalesce({{ is_jurisdiction_region('events.first_to_party_region_code') }}, false)
            as is_to_jinan,
        coalesce(events.first_from_party_country <> 'CN', false) as is_from_abroad,
        coalesce(events.first_to_party_country <> 'CN', false) as is_to_abroad,
        coalesce(patents.industry_chain, 'other') as industry_chain
    from events
    left join patents
        on patents.application_no = events.application_no

),

counted as (

    select
        {{ lineage }},
        from_region_code as region_code,
        industry_chain,
        'TRN-01' as indicator_id
    from classified
    where event_code = 'TR01' and is_from_jinan

    union all

    select {{ lineage }}, from_region_code, industry_chain, 'TRN-02'
    from classified
    where event_code = 'EE01' and is_from_jinan

    {%- for level in counterparty_scope_levels() %}

    union all

    -- TRN-03 "from outside": outside the row's city, or the province on a province's own row
    select {{ lineage }}, to_region_code, industry_chain, 'TRN-03@{{ level }}'
    from classified
    where is_to_jinan
        and not coalesce(substr(from_region_code, 1, {{ level }})
            = substr(to_region_code, 1, {{ level }}), false)
    {%- endfor %}

    union all

    select {{ lineage }}, from_region_code, industry_chain, 'TRD-01'
    from classified
    where is_from_jinan and is_to_abroad

    union all

    select {{ lineage }}, to_region_code, industry_chain, 'TRD-02'
    from classified
    where is_from_abroad and is_to_jinan

),

{#- TRN-03 is summarised once per counterparty scope and each row keeps the scope it is judged
    at (a province's own row: the province; every other row: its city). -#}
{%- set measure_sets = [('measures', ['TRN-01', 'TRN-02', 'TRD-01', 'TRD-02'], none)] %}
{%- for level in counterparty_scope_levels() %}
    {%- do measure_sets.append(('trn_03_measures_' ~ level, ['TRN-03'], level)) %}
{%- endfor %}
{%- for set_name, indicator_ids, level in measure_sets %}

{{ set_name }} as (

    {%- for indicator_id in indicator_ids %}
    {%- set counted_id = indicator_id ~ ('@' ~ level if indicator_id == 'TRN-03' else '') %}

    select
        {{ measure_columns(indicator_id, 'event_date', 'region_code', **event) }}
    from counted
    where indicator_id = '{{ counted_id }}'

    union all

    select
        {{ measure_columns(indicator_id, 'event_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain", **event) }}
    from counted
    where indicator_id = '{{ counted_id }}'
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),
{%- endfor %}

final as (

    {{ attribute_measures('measures', 'within') }}
    {%- for level in counterparty_scope_levels() %}

    union all

    select * from ({{ attribute_measures('trn_03_measures_' ~ level, 'within') }}) as scoped
    where {{ counterparty_scope_level('scoped.region_code') }} = {{ level }}
    {%- endfor %}

)

select * from final
