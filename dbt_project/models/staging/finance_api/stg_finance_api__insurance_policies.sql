with

source as (

    select * from {{ source('finance_api', 'insurance_policies') }}

),

final as (

    select
        cast(policy_no as varchar) as policy_no,
        cast(insured_name as varchar) as insured_name,
        cast(insured_uscc as varchar) as insured_uscc,
        cast(insured_party_type as varchar) as insured_party_type,
        cast(insured_region_code as varchar) as insured_region_code,
        cast(insured_country as varchar) as insured_country,
        cast(insurance_type as varchar) as insurance_type,
        cast(coverage_wan as decimal(18, 4)) as coverage_wan,
        cast(premium_wan as decimal(18, 4)) as premium_wan,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
