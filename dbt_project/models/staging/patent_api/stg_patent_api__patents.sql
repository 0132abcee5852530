with

source as (

    select * from {{ source('patent_api', 'patents') }}

),

final as (

    select
        cast(application_no as varchar) as application_no,
        cast(patent_type as varchar) as patent_type,
        cast(title as varchar) as title,
        cast(application_date as date) as application_date,
        cast(publication_no as varchar) as publication_no,
        cast(grant_no as varchar) as grant_no,
        cast(grant_date as date) as grant_date,
        replace(cast(ipc_main as varchar), ' ', '') as ipc_main,
        coalesce(cast(ipc as varchar), '') as ipc_codes,
        cast(locarno as varchar) as locarno,
        cast(applicants as varchar) as applicants_json,
        {{ json_party_field('applicants', 'name') }} as first_applicant_name,
        {{ json_party_field('applicants', 'uscc') }} as first_applicant_uscc,
        {{ json_party_field('applicants', 'party_type') }} as first_applicant_party_type,
        {{ json_party_field('applicants', 'region_code') }} as first_applicant_region_code,
        {{ json_party_field('applicants', 'country') }} as first_applicant_country,
        coalesce(cast(family_countries as varchar), '') as family_countries,
        coalesce(cast(fiscal_project_ids as varchar), '') as fiscal_project_ids,
        coalesce(cast(awards as varchar), '') as awards,
        cast(legal_status as varchar) as legal_status,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
