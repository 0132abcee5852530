with

source as (

    select * from {{ source('reference_drop', 'inventory_returns') }}

),

final as (

    select
        cast(application_no as varchar) as application_no,
        cast(entered_date as date) as entered_date,
        cast(owner_uscc as varchar) as owner_uscc,
        cast(prospect as varchar) as prospect,
        cast(industrialized as boolean) as is_industrialized,
        cast(industry_chain as varchar) as reported_industry_chain,
        cast(_snapshot_date as date) as snapshot_date,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
