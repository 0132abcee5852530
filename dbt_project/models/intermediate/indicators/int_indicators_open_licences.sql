-- UNI-05: OL03 open-licence uptakes (not revoked) of patents whose first owner on the event date
-- is a university or institute of the jurisdiction (a TR01 on that same day decides it),
-- attributed to that owner's region. One row per event and published row it counts in, with
-- the API page it came from.
{%- set event = {'record_kind': 'legal_event', 'record_key': 'event_id'} %}
with

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

uptakes_by_owner as (

    select
        open_licence_uptakes.event_id,
        open_licence_uptakes.event_date,
        open_licence_uptakes.source_system,
        open_licence_uptakes.batch_id,
        open_licence_uptakes.origin,
        open_licence_uptakes.batch_row_number,
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

measures as (

    select
        {{ measure_columns('UNI-05', 'event_date', 'region_code', **event) }}
    from uptakes_by_owner

    union all

    select
        {{ measure_columns('UNI-05', 'event_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain", **event) }}
    from uptakes_by_owner

),

final as (

    {{ attribute_measures('measures', 'within') }}

)

select * from final
