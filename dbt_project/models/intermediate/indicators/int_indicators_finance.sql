-- FIN-01..09: pledges (not cancelled, Jinan pledgor), insurance policies (Jinan insured) and
-- roadshows (city only). FIN-04 accumulates from cumulative_financing_start to D, so it is 0 for
-- periods that end before that date. One row per record and published row it counts in, with
-- the API page it came from; the values are their sums (int_indicator_values_unioned).
{%- set pledge = {'record_kind': 'pledge', 'record_key': 'pledge_id'} %}
{%- set policy = {'record_kind': 'policy', 'record_key': 'policy_no'} %}
{%- set roadshow = {'record_kind': 'roadshow', 'record_key': 'roadshow_id'} %}
with

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}
    where pledge_status not in {{ enumeration_codes('pledge_status', 'void') }}
        and registration_date is not null

),

policies as (

    select * from {{ ref('int_insurance_policies_deduplicated') }}
    where start_date is not null

),

roadshows as (

    select * from {{ ref('int_roadshows_deduplicated') }}
    where event_date is not null

),

flow_measures as (

    select
        {{ measure_columns('FIN-01', 'registration_date', 'pledgor_region_code',
            amount='loan_amount_wan', **pledge) }}
    from pledges

    union all

    select
        {{ measure_columns('FIN-02', 'registration_date', 'pledgor_region_code', **pledge) }}
    from pledges

    union all

    select
        {{ measure_columns('FIN-03', 'registration_date', 'pledgor_region_code',
            amount='null', distinct_key='pledgor_uscc', aggregation='distinct', **pledge) }}
    from pledges

    union all

    select
        {{ measure_columns('FIN-05', 'registration_date', 'pledgor_region_code',
            amount='null',
            numerator='case when loan_amount_wan < ' ~ var('inclusive_pledge_threshold_wan')
                ~ ' then 1 else 0 end',
            denominator='1', **pledge) }}
    from pledges

    union all

    select
        {{ measure_columns('FIN-06', 'start_date', 'insured_region_code', **policy) }}
    from policies

    union all

    select
        {{ measure_columns('FIN-07', 'start_date', 'insured_region_code',
            amount='coverage_wan', **policy) }}
    from policies

    union all

    select
        {{ measure_columns('FIN-08', 'event_date', jurisdiction_total(), **roadshow) }}
    from roadshows

    union all

    select
        {{ measure_columns('FIN-08', 'event_date', jurisdiction_total(),
            breakdown="'industry_chain=' || industry_chain", **roadshow) }}
    from roadshows
    where industry_chain is not null

    union all

    select
        {{ measure_columns('FIN-09', 'event_date', jurisdiction_total(),
            amount='signed_amount_wan', **roadshow) }}
    from roadshows

    union all

    select
        {{ measure_columns('FIN-09', 'event_date', jurisdiction_total(), amount='signed_amount_wan',
            breakdown="'industry_chain=' || industry_chain", **roadshow) }}
    from roadshows
    where industry_chain is not null

),

cumulative_measures as (

    select
        {{ measure_columns('FIN-04', 'registration_date', 'pledgor_region_code',
            amount='loan_amount_wan', **pledge) }}
    from pledges

),

flows as (

    {{ attribute_measures('flow_measures', 'within', has_distinct=true) }}

),

cumulative as (

    {{ attribute_measures('cumulative_measures', 'cumulative') }}

),

final as (

    select * from flows
    union all
    select * from cumulative

)

select * from final
