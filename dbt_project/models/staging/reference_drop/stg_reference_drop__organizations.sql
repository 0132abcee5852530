with

source as (

    select * from {{ source('reference_drop', 'organizations') }}

),

final as (

    select
        cast(uscc as varchar) as uscc,
        cast(name as varchar) as organization_name,
        cast(party_type as varchar) as party_type,
        cast(region_code as varchar) as region_code,
        cast(is_high_tech_enterprise as boolean) as is_high_tech_enterprise,
        cast(is_specialized_sme as boolean) as is_specialized_sme,
        cast(is_tech_sme as boolean) as is_tech_sme,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(_snapshot_date as date) as snapshot_date,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
