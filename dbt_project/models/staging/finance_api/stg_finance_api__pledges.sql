with

source as (

    select * from {{ source('finance_api', 'pledges') }}

),

final as (

    select
        cast(pledge_id as varchar) as pledge_id,
        cast(registration_date as date) as registration_date,
        cast(pledgor_name as varchar) as pledgor_name,
        cast(pledgor_uscc as varchar) as pledgor_uscc,
        cast(pledgor_party_type as varchar) as pledgor_party_type,
        cast(pledgor_region_code as varchar) as pledgor_region_code,
        cast(pledgor_country as varchar) as pledgor_country,
        cast(pledgee_name as varchar) as pledgee_name,
        cast(pledgee_uscc as varchar) as pledgee_uscc,
        cast(pledgee_institution_type as varchar) as pledgee_institution_type,
        coalesce(cast(patent_application_nos as varchar), '') as patent_application_nos,
        cast(trademark_count as integer) as trademark_count,
        cast(loan_amount_wan as decimal(18, 4)) as loan_amount_wan,
        cast(term_months as integer) as term_months,
        cast(status as varchar) as pledge_status,
        cast(release_date as date) as release_date,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
