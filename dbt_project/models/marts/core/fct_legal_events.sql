-- One row per legal event (current version), revoked ones included and flagged so that the
-- office's corrections stay visible; indicators never count a revoked event.
with

events as (

    select * from {{ ref('int_legal_events_deduplicated') }}

),

patents as (

    select patent_key, application_no from {{ ref('dim_patent') }}

),

final as (

    select
        {{ surrogate_key(['events.event_id']) }} as legal_event_key,
        events.event_id,
        coalesce(patents.patent_key, {{ unknown_member_key() }}) as patent_key,
        events.application_no,
        {{ date_key('events.event_date') }} as event_date_key,
        events.event_date,
        events.event_code,
        events.is_revoked,
        events.first_from_party_name,
        events.first_from_party_uscc,
        events.first_from_party_type,
        events.first_from_party_region_code,
        events.first_from_party_country,
        {{ region_key('events.first_from_party_region_code') }} as from_region_key,
        events.first_to_party_name,
        events.first_to_party_uscc,
        events.first_to_party_type,
        events.first_to_party_region_code,
        events.first_to_party_country,
        {{ region_key('events.first_to_party_region_code') }} as to_region_key,
        events.details_json,
        events.updated_at
    from events
    left join patents
        on patents.application_no = events.application_no

)

select * from final
