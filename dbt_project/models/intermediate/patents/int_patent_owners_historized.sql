-- Ownership history of every patent (SCD2): the applicants until the first TR01, then the
-- to_parties of each non-revoked TR01 from its event_date. valid_to is exclusive (null: still
-- current); of several TR01 on one day the last by event_id wins (the others get an empty
-- interval). "Owners on D" = the row with valid_from <= D < valid_to.
with

patents as (

    select * from {{ ref('int_patents_deduplicated') }}

),

transfers as (

    select * from {{ ref('int_legal_events_deduplicated') }}
    where event_code = 'TR01'
        and not is_revoked

),

ownership_changes as (

    select
        application_no,
        0 as change_kind_order,
        coalesce(application_date, cast('1900-01-01' as date)) as valid_from,
        'applicants' as owner_source,
        cast(null as varchar) as event_id,
        applicants_json as owners_json,
        first_applicant_name as first_owner_name,
        first_applicant_uscc as first_owner_uscc,
        first_applicant_party_type as first_owner_party_type,
        first_applicant_region_code as first_owner_region_code,
        first_applicant_country as first_owner_country
    from patents

    union all

    select
        application_no,
        1 as change_kind_order,
        event_date as valid_from,
        'TR01' as owner_source,
        event_id,
        to_parties_json as owners_json,
        first_to_party_name as first_owner_name,
        first_to_party_uscc as first_owner_uscc,
        first_to_party_type as first_owner_party_type,
        first_to_party_region_code as first_owner_region_code,
        first_to_party_country as first_owner_country
    from transfers

),

sequenced as (

    select
        ownership_changes.*,
        row_number() over (
            partition by application_no
            order by change_kind_order, valid_from, event_id
        ) as owner_sequence,
        lead(valid_from) over (
            partition by application_no
            order by change_kind_order, valid_from, event_id
        ) as valid_to
    from ownership_changes

),

final as (

    select
        {{ surrogate_key(['application_no', 'owner_sequence']) }} as patent_owner_key,
        application_no,
        owner_sequence,
        owner_source,
        event_id,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        owners_json,
        first_owner_name,
        first_owner_uscc,
        first_owner_party_type,
        first_owner_region_code,
        first_owner_country
    from sequenced

)

select * from final
