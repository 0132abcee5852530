with

source as (

    select * from {{ source('patent_api', 'legal_events') }}

),

final as (

    select
        cast(event_id as varchar) as event_id,
        cast(application_no as varchar) as application_no,
        cast(event_code as varchar) as event_code,
        cast(event_date as date) as event_date,
        cast(from_parties as varchar) as from_parties_json,
        cast(to_parties as varchar) as to_parties_json,
        {{ json_party_field('from_parties', 'name') }} as first_from_party_name,
        {{ json_party_field('from_parties', 'uscc') }} as first_from_party_uscc,
        {{ json_party_field('from_parties', 'party_type') }} as first_from_party_type,
        {{ json_party_field('from_parties', 'region_code') }} as first_from_party_region_code,
        {{ json_party_field('from_parties', 'country') }} as first_from_party_country,
        {{ json_party_field('to_parties', 'name') }} as first_to_party_name,
        {{ json_party_field('to_parties', 'uscc') }} as first_to_party_uscc,
        {{ json_party_field('to_parties', 'party_type') }} as first_to_party_type,
        {{ json_party_field('to_parties', 'region_code') }} as first_to_party_region_code,
        {{ json_party_field('to_parties', 'country') }} as first_to_party_country,
        cast(details as varchar) as details_json,
        coalesce(cast(revoked as boolean), false) as is_revoked,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
