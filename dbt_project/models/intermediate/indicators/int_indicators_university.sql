-- UNI-01..06: universities' and research institutes' patents. UNI-01 follows the first
-- applicant (breakdown owner_uscc= only for owners with patents in the denominator); UNI-02..04
-- and UNI-06 follow the first owner on D; UNI-05 counts OL03 events by the first owner on the
-- event date (a TR01 on that same day decides it).
{%- set owner_stock = [
    ('UNI-02', 'null', 'uni_02_numerator', 'uni_02_denominator'),
    ('UNI-03', 'null', 'uni_03_numerator', 'uni_03_denominator'),
    ('UNI-04', 'uni_04_count', 'null', 'null'),
    ('UNI-06', 'uni_06_count', 'null', 'null'),
] %}
with

states as (

    select * from {{ ref('int_patent_states_at_period_ends') }}

),

owners as (

    select * from {{ ref('int_patent_owners_historized') }}

),

patents as (

    select * from {{ ref('int_patents_enriched') }}

),

open_licence_uptakes as (

    select * from {{ ref('int_legal_events_deduplicated') }}
    where event_code = 'OL03'
        and not is_revoked
        and event_date is not null

),

owner_grouped as (

    select
        as_of_date,
        first_owner_region_code as region_code,
        industry_chain,
        first_owner_party_type as party_type,
        sum(case when first_owner_is_jinan_univ_inst and has_inventory_return
            then 1 else 0 end) as uni_02_denominator,
        sum(case when first_owner_is_jinan_univ_inst and has_inventory_return
            and latest_return_industrialized then 1 else 0 end) as uni_02_numerator,
        sum(case when first_owner_is_jinan_univ_inst then 1 else 0 end) as uni_03_denominator,
        sum(case when first_owner_is_jinan_univ_inst and has_inventory_return
            then 1 else 0 end) as uni_03_numerator,
        sum(case when first_owner_is_jinan_univ_inst and is_under_open_licence
            then 1 else 0 end) as uni_04_count,
        sum(case when has_fiscal_funding and granted_before_unexploited_window
            and not has_conversion then 1 else 0 end) as uni_06_count
    from states
    where first_owner_is_jinan
    group by as_of_date, first_owner_region_code, industry_chain, first_owner_party_type

),

applicant_grouped as (

    select
        as_of_date,
        first_applicant_region_code as region_code,
        first_applicant_uscc as owner_uscc,
        sum(case when has_conversion then 1 else 0 end) as converted_count,
        count(*) as in_force_count
    from states
    where is_invention
        and first_applicant_is_jinan_univ_inst
    group by as_of_date, first_applicant_region_code, first_applicant_uscc

),

stock_measures as (

    select
        {{ measure_columns('UNI-01', 'as_of_date', 'region_code', amount='null',
            numerator='converted_count', denominator='in_force_count') }}
    from applicant_grouped

    union all

    select
        {{ measure_columns('UNI-01', 'as_of_date', 'region_code',
            breakdown="'owner_uscc=' || owner_uscc", amount='null',
            numerator='converted_count', denominator='in_force_count') }}
    from applicant_grouped
    where owner_uscc is not null
        and in_force_count > 0

    {%- for indicator_id, amount, numerator, denominator in owner_stock %}

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code', amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain", amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'party_type=' || party_type", amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped
    where party_type is not null
    {%- endfor %}

),

uptakes_by_owner as (

    select
        open_licence_uptakes.event_id,
        open_licence_uptakes.event_date,
        owners.first_owner_region_code as region_code,
        coalesce(patents.industry_chain, 'other') as industry_chain
    from open_licence_uptakes
    inner join owners
        on owners.application_no = open_licence_uptakes.application_no
        and owners.valid_from <= open_licence_uptakes.event_date
        and (owners.valid_to is null or open_licence_uptakes.event_date < owners.valid_to)
    left join patents
        on patents.application_no = open_licence_uptakes.application_no
    where {{ is_jurisdiction_region('owners.first_owner_region_code') }}
        and owners.first_owner_party_type in {{ univ_inst_party_types() }}

),

flow_measures as (

    select
        {{ measure_columns('UNI-05', 'event_date', 'region_code') }}
    from uptakes_by_owner

    union all

    select
        {{ measure_columns('UNI-05', 'event_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain") }}
    from uptakes_by_owner

),

stocks as (

    {{ summarise_measures('stock_measures', 'at_end') }}

),

flows as (

    {{ summarise_measures('flow_measures', 'within') }}

),

final as (

    select * from stocks
    union all
    select * from flows

)

select * from final
